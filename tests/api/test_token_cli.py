"""`obs token create` end to end: a real subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from observability.auth.tokens import hash_token
from observability.store.access_models import ApiToken, AuditEntry
from observability.store.engine import make_engine, session_factory


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


def test_token_create_migrates_stores_only_the_hash_and_audits(database_url: str) -> None:
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

    again = obs(database_url, "create", "--role", "viewer", "--name", "oncall-bot")
    assert again.returncode == 1
    assert "a token named 'oncall-bot' already exists" in again.stderr

    listed = obs(database_url, "list")
    assert listed.returncode == 0 and "oncall-bot" in listed.stdout and token not in listed.stdout
    revoked = obs(database_url, "revoke", "oncall-bot")
    assert revoked.returncode == 0, revoked.stderr
    assert obs(database_url, "revoke", "oncall-bot").returncode == 1


def test_token_create_refuses_a_bad_role_and_a_bad_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'obs.db'}"
    bad_role = obs(url, "create", "--role", "root")
    assert bad_role.returncode == 2 and "invalid choice: 'root'" in bad_role.stderr
    bad_name = obs(url, "create", "--role", "viewer", "--name", "no spaces")
    assert bad_name.returncode == 1 and "invalid token name 'no spaces'" in bad_name.stderr


def test_token_create_names_an_unreachable_database(tmp_path: Path) -> None:
    missing = obs("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", "create", "--role", "viewer")
    assert missing.returncode == 1
    assert "cannot use the database postgresql+psycopg://nobody:***@127.0.0.1:1/none" in missing.stderr
    assert "secret" not in missing.stderr
