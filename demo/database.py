"""The demo's own database on a PostgreSQL server: created when missing, dropped on request."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, make_url, text

_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class DatabaseError(RuntimeError):
    """The database cannot be created or its name is unsafe."""


def _checked(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise DatabaseError(f"database name {name!r}: use lowercase letters, digits and _ (max 63)")
    return name


def ensure_database(server_url: str, name: str) -> bool:
    """Create database `name` on the server `server_url` points at unless it exists; True if created."""
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": _checked(name)}
            ).first():
                return False
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"cannot create database {name!r} on PostgreSQL: {exc}") from exc
    finally:
        admin.dispose()


def drop_database(server_url: str, name: str) -> None:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)'))
    finally:
        admin.dispose()
