"""Fixtures every suite may use. Tests never use fixed ports or the shared `test` database itself."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fakes.pager import fake_pager, fake_pager_server  # noqa: F401  (fixtures)
from tests.fakes.slack import fake_slack, fake_slack_server  # noqa: F401  (fixtures)
from tests.support import unavailable

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """SQLAlchemy URL of the PostgreSQL server named by OBS_TEST_POSTGRES_URL."""
    url = os.environ.get("OBS_TEST_POSTGRES_URL")
    if not url:
        unavailable("OBS_TEST_POSTGRES_URL is not set")
    assert url is not None
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    with fresh_database(postgres_server_url) as url:
        yield url


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server, yield its URL, drop it (for wider-scoped fixtures)."""
    from sqlalchemy import create_engine, make_url, text

    server = make_url(server_url)
    name = f"obs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        unavailable(f"cannot create a database on {server.render_as_string(hide_password=True)}: {exc}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
