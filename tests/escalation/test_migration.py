"""Migration 0003 creates the escalation tables on both backends, and downgrades cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from observability.store.engine import make_engine
from observability.store.migrate import alembic_config, is_current, upgrade


def test_0003_adds_steps_and_outbox_and_downgrades_to_0002(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert is_current(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"escalation_steps", "notification_outbox"} <= tables
        unique = {c["name"] for c in inspect(engine).get_unique_constraints("notification_outbox")}
        assert "uq_notification_outbox_idempotency_key" in unique
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
            connection.commit()
        assert not {"escalation_steps", "notification_outbox"} & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()
