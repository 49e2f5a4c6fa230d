"""Run a command's work on the migrated store with the settings and the matrix (review, report)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from observability.config import Settings
    from observability.escalation.matrix import Matrix

# (session, settings, matrix, now) -> exit code
StoreWork = Callable[["Session", "Settings", "Matrix", datetime], int]


def fail(command: str, message: str) -> int:
    print(f"{command}: {message}", file=sys.stderr)
    return 1


def with_store(command: str, work: StoreWork) -> int:
    """`work` on the database OBS_DATABASE_URL names (migrated first); setup errors become one line."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from observability.config import SettingsError, load_settings
    from observability.escalation.loading import MatrixError, load_matrix
    from observability.store.engine import make_engine, session_factory
    from observability.store.migrate import upgrade

    try:
        settings = load_settings()
        matrix = load_matrix(settings.matrix_path)
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        engine = make_engine(settings.database_url)
    except MatrixError as exc:
        return fail(command, f"invalid escalation matrix: {'; '.join(exc.problems)}")
    except (SettingsError, ValueError) as exc:
        return fail(command, str(exc))
    try:
        upgrade(engine)
        with session_factory(engine)() as session:
            return work(session, settings, matrix, datetime.now(UTC))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return fail(command, f"cannot use the database {shown}: {reason}")
    finally:
        engine.dispose()
