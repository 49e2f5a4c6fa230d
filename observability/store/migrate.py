"""Bring a database to the newest schema with Alembic, and tell whether it is there."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from observability.store.engine import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Replicas starting together on one PostgreSQL take this advisory lock so only one migrates.
POSTGRES_MIGRATION_LOCK = 0x0B5_1A7E


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def upgrade(engine_or_url: Engine | str) -> None:
    """Apply every migration up to head (idempotent; safe when several processes start at once)."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK})
                connection.commit()
            try:
                _run_upgrade(connection)
            finally:
                if postgres:
                    connection.rollback()
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": POSTGRES_MIGRATION_LOCK}
                    )
                    connection.commit()
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


def _run_upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    connection.commit()


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def is_current(engine: Engine) -> bool:
    """True when the database's schema is at the newest migration."""
    with engine.connect() as connection:
        return current_revisions(connection) == head_revisions()
