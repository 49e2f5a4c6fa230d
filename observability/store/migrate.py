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
    if is_newer(current_revisions(connection)):
        return  # a newer release migrated it; its migrations only expand, so this code still serves
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    connection.commit()


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def is_newer(revisions: set[str]) -> bool:
    """The schema is at revisions this code does not know: a newer release's (see README "Upgrades")."""
    return bool(revisions) and not revisions & known_revisions()


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def is_current(engine: Engine) -> bool:
    """True when the database's schema is at the newest migration."""
    with engine.connect() as connection:
        return current_revisions(connection) == head_revisions()


def serves_schema(engine: Engine) -> bool:
    """True when this code can serve the schema: at its newest migration, or at a newer release's.

    Migrations only expand (README "Upgrades"), so while a new release migrates, and after a
    rollback, the previous version keeps serving; a schema behind this code's is not served.
    """
    with engine.connect() as connection:
        revisions = current_revisions(connection)
    return revisions == head_revisions() or is_newer(revisions)
