"""A migrated database on each backend: SQLite in tmp_path and a fresh PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

import pytest

from observability.store.migrate import upgrade

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database migrated to head, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'obs.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url
