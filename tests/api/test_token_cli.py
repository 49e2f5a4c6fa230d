"""`obs token create` end to end: a real subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text

from observability.auth.tokens import hash_token
from observability.cli import main
from observability.store.access_models import ApiToken, AuditEntry
from observability.store.engine import make_engine, session_factory
from tests.api.conftest import Service


def obs_in_process(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """The same CLI called in this process (cheaper than a subprocess for the error paths)."""
    monkeypatch.setenv("OBS_DATABASE_URL", database_url)
    monkeypatch.delenv("OBS_API_TOKENS", raising=False)
    try:
        code = main(["token", *args])
    except SystemExit as exc:  # argparse refusing an argument
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def obs(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OBS_DATABASE_URL": database_url}
    env.pop("OBS_API_TOKENS", None)
    return subprocess.run(
        [sys.executable, "-m", "observability.cli", "token", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'obs.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_token_create_migrates_stores_only_the_hash_and_audits(
    database_url: str,
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    created = obs(database_url, "create", "--role", "responder", "--name", "oncall-bot")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("obs_") and "\n" not in token
    assert "oncall-bot" in created.stderr and token not in created.stderr

    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            row = session.scalars(select(ApiToken)).one()
            assert (row.name, row.role, row.token_hash) == ("oncall-bot", "responder", hash_token(token))
            dumped = " ".join(
                str(value)
                for table in ("api_tokens", "audit_log")
                for record in session.execute(text(f"SELECT * FROM {table}"))
                for value in record
            )
            assert token not in dumped
            entry = session.scalars(select(AuditEntry)).one()
            assert (entry.action, entry.target, entry.details) == (
                "token.create",
                "token:oncall-bot",
                {"role": "responder"},
            )
            assert entry.actor.startswith("cli")
    finally:
        engine.dispose()

    # The printed token works against a service on that database, with its role.
    svc = make_service(database_url, migrate=False, api_tokens="")
    headers = {"Authorization": f"Bearer {token}"}
    assert svc.client.get("/api/v1/incidents", headers=headers).status_code == 200
    assert svc.client.get("/api/v1/audit", headers=headers).status_code == 403

    code, _out, err = obs_in_process(
        database_url, monkeypatch, capsys, "create", "--role", "viewer", "--name", "oncall-bot"
    )
    assert (code, "a token named 'oncall-bot' already exists" in err) == (1, True)

    code, out, _err = obs_in_process(database_url, monkeypatch, capsys, "list")
    assert code == 0 and "oncall-bot" in out and "responder" in out and token not in out
    assert obs_in_process(database_url, monkeypatch, capsys, "revoke", "oncall-bot")[0] == 0
    assert svc.client.get("/api/v1/incidents", headers=headers).status_code == 401
    code, _out, err = obs_in_process(database_url, monkeypatch, capsys, "revoke", "oncall-bot")
    assert (code, err.strip()) == (1, "obs token: no active token named 'oncall-bot'")


def test_token_create_refuses_a_bad_role_and_a_bad_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'obs.db'}"
    code, _out, err = obs_in_process(url, monkeypatch, capsys, "create", "--role", "root")
    assert code == 2 and "invalid choice: 'root'" in err
    code, _out, err = obs_in_process(url, monkeypatch, capsys, "create", "--role", "viewer", "--name", "a b")
    assert code == 1 and "invalid token name 'a b'" in err


def test_token_create_names_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    code, _out, err = obs_in_process(url, monkeypatch, capsys, "create", "--role", "viewer")
    assert code == 1
    assert "cannot use the database postgresql+psycopg://nobody:***@127.0.0.1:1/none" in err
    assert "secret" not in err
