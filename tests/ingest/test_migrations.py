"""Alembic is what creates the schema, on both backends, and says when it is current."""

from __future__ import annotations

from sqlalchemy import inspect

from observability.store.engine import make_engine
from observability.store.migrate import is_current, upgrade


def test_upgrade_is_idempotent_and_current(store_url: str) -> None:
    upgrade(store_url)  # a second run (the fixture ran the first) changes nothing
    engine = make_engine(store_url)
    try:
        assert is_current(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"incidents", "incident_alerts", "timeline_events", "ingest_ledger", "heartbeats"} <= tables
        indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("incidents")}
        assert indexes["uq_incidents_open_group_key"]["unique"]
    finally:
        engine.dispose()


def test_an_empty_database_is_not_current(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert not is_current(engine)
    finally:
        engine.dispose()
