"""Token hashing, configured-token parsing and role ordering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from observability.auth.roles import Role, parse_role
from observability.auth.tokens import (
    bearer_token,
    generate_token,
    hash_token,
    match_configured,
    parse_configured_tokens,
)
from observability.auth.webhook import webhook_authorized
from observability.config import SettingsError, load_settings

HASH_A = hash_token("token-a")
HASH_B = hash_token("token-b")


def test_roles_are_ordered_viewer_responder_admin() -> None:
    assert Role.ADMIN.allows(Role.RESPONDER) and Role.ADMIN.allows(Role.VIEWER)
    assert Role.RESPONDER.allows(Role.VIEWER) and not Role.RESPONDER.allows(Role.ADMIN)
    assert not Role.VIEWER.allows(Role.RESPONDER)
    assert parse_role(" Admin ") is Role.ADMIN
    with pytest.raises(ValueError, match="unknown role 'root'"):
        parse_role("root")


def test_generated_tokens_are_random_and_hash_to_sha256_hex() -> None:
    first, second = generate_token(), generate_token()
    assert first != second and first.startswith("obs_") and len(first) > 40
    assert hash_token(first) != first and len(hash_token(first)) == 64


def test_configured_tokens_parse_and_match_by_hash() -> None:
    tokens = parse_configured_tokens(f"alice:admin:{HASH_A}, bob:viewer:{HASH_B.upper()},")
    assert [(t.name, t.role) for t in tokens] == [("alice", Role.ADMIN), ("bob", Role.VIEWER)]
    assert match_configured(tokens, HASH_B) == tokens[1]
    assert match_configured(tokens, hash_token("other")) is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("alice:admin", "entry 1 must be name:role:sha256hex"),
        (f"alice:root:{HASH_A}", "entry 1: unknown role 'root'"),
        ("alice:admin:abc", "entry 1 (alice): the hash must be 64 hex digits"),
        (f"alice:admin:{HASH_A},alice:viewer:{HASH_B}", "entry 2: token name 'alice' is given twice"),
        (f"a lice:admin:{HASH_A}", "invalid token name 'a lice'"),
    ],
)
def test_bad_configured_tokens_are_refused_with_the_entry_named(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_configured_tokens(spec)


def test_bad_api_tokens_setting_fails_at_start_naming_the_setting() -> None:
    from observability.web.app import create_app

    settings = load_settings(api_tokens=f"alice:root:{HASH_A}")  # settings know nothing of tokens
    with pytest.raises(SettingsError, match="invalid setting OBS_API_TOKENS: entry 1: unknown role"):
        create_app(settings)


def test_api_tokens_setting_reads_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"alice:admin:{HASH_A}\n", encoding="utf-8")
    monkeypatch.setenv("OBS_API_TOKENS_FILE", str(path))
    assert load_settings().api_tokens == f"alice:admin:{HASH_A}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("", None), ("Basic abc", None), ("Bearer ", None), ("bearer  abc ", "abc")],
)
def test_bearer_header_parsing(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


def test_webhook_token_check() -> None:
    secret = SecretStr("s3cret")
    assert webhook_authorized(secret, "Bearer s3cret")
    assert not webhook_authorized(secret, "Bearer s3cret2")
    assert not webhook_authorized(secret, None)
    assert not webhook_authorized(None, "Bearer s3cret")
