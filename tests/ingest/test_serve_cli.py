"""`obs serve` refuses bad settings with one line and exit 2, and prints the receiver to paste."""

from __future__ import annotations

import pytest

from observability.cli import main
from observability.cli.serve import receiver_snippet
from observability.config import load_settings


def test_without_a_webhook_token_serve_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    monkeypatch.setenv("OBS_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("OBS_WEBHOOK_TOKEN", raising=False)
    monkeypatch.delenv("OBS_WEBHOOK_TOKEN_FILE", raising=False)
    assert main(["serve"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "OBS_WEBHOOK_TOKEN" in error and "OBS_WEBHOOK_ALLOW_UNAUTHENTICATED=1" in error


def test_a_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OBS_MAX_BODY_BYTES", "lots")
    assert main(["serve"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("obs serve: invalid setting OBS_MAX_BODY_BYTES:")
    assert len(error.splitlines()) == 1


def test_bad_api_tokens_stop_serve_with_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    # Settings do not parse tokens (they import nothing from auth/): the app checks them at start.
    monkeypatch.setenv("OBS_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("OBS_WEBHOOK_TOKEN", "a-long-enough-webhook-token")
    monkeypatch.setenv("OBS_API_TOKENS", "alice:root:" + "0" * 64)
    assert main(["serve"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        "obs serve: invalid setting OBS_API_TOKENS: entry 1: unknown role 'root'; "
        "expected one of viewer, responder, admin"
    )


def test_receiver_snippet_points_at_the_webhook_with_the_token_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-of-24-characters\n")
    monkeypatch.setenv("OBS_WEBHOOK_TOKEN_FILE", str(token))
    monkeypatch.delenv("OBS_WEBHOOK_TOKEN", raising=False)
    snippet = receiver_snippet(load_settings(), "0.0.0.0", 8080)
    assert "url: http://127.0.0.1:8080/api/v1/webhooks/alertmanager" in snippet
    assert f"credentials_file: {token}" in snippet
    assert "s3cret-of-24-characters" not in snippet
