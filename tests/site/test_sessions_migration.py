"""Migration 0006: browser sessions and the incident list's indexes (trigram ones on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from observability.store.engine import make_engine
from observability.store.migrate import alembic_config, is_current, upgrade

LIST_INDEXES = {
    "ix_incidents_updated_at_id",
    "ix_incidents_status_updated_at",
    "ix_incidents_service_updated_at",
    "ix_incidents_severity_updated_at",
}
TRIGRAM_INDEXES = {"ix_incidents_title_trgm", "ix_incidents_group_labels_trgm"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (
        str(request.getfixturevalue("postgres_url"))
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path / 's.db'}"
    )
    upgrade(url)
    return url


def test_0006_adds_sessions_and_list_indexes_and_downgrades_to_0005(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert "browser_sessions" in inspect(engine).get_table_names()
        indexes = {index["name"] for index in inspect(engine).get_indexes("incidents")}
        expected = LIST_INDEXES | (TRIGRAM_INDEXES if engine.dialect.name == "postgresql" else set())
        assert expected <= indexes
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
            connection.commit()
        assert "browser_sessions" not in inspect(engine).get_table_names()
        assert not (LIST_INDEXES | TRIGRAM_INDEXES) & {
            i["name"] for i in inspect(engine).get_indexes("incidents")
        }
        upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()
