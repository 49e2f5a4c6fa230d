"""Whether an error means the database is unavailable (down, restarting, unreachable, saturated).

Such an error is operational, not a bug: requests answer 503 (the client retries) and periodic
jobs log one line and run again on their next firing, with no stack trace per attempt.
"""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from sqlalchemy import exc as sa

# SQLAlchemy's wrappers (its engine and pool), and psycopg's own errors, raised unwrapped where the
# ingest runs statements on the raw driver connection (observability.ingest.postgres_statements).
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sa.OperationalError,  # refused, closed by the server, shutting down or starting up, locked
    sa.InterfaceError,  # the connection was already closed
    sa.TimeoutError,  # no pooled connection came free in time
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
# SQLite's OperationalError also covers a missing table or a syntax error: bugs, not an outage.
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error", "disk is full")
RETRY_AFTER_SECONDS = 5


def database_unavailable(error: BaseException) -> bool:
    """True for errors that say the database cannot be used now (a retry later may succeed)."""
    cause = error.orig if isinstance(error, sa.DBAPIError) else error
    if isinstance(cause, sqlite3.OperationalError):
        return any(message in str(cause).lower() for message in SQLITE_UNAVAILABLE)
    if isinstance(error, UNAVAILABLE_ERRORS):
        return True
    return isinstance(error, sa.DBAPIError) and error.connection_invalidated


def unavailable_reason(error: BaseException) -> str:
    """One line naming the error: its class and the driver's first message line."""
    cause = error.orig if isinstance(error, sa.DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def log_job_failure(log: logging.Logger, job: str, error: Exception) -> None:
    """A periodic job failed: one warning while the database is unavailable, else the traceback."""
    if database_unavailable(error):
        log.warning("%s: database unavailable, next run retries (%s)", job, unavailable_reason(error))
    else:
        log.error("%s failed; next run retries", job, exc_info=error)
