"""Retry a unit of work whose transaction PostgreSQL aborted to break a deadlock or a conflict."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

T = TypeVar("T")

# deadlock_detected and serialization_failure: the transaction did nothing and may simply run again.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


def is_transient(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def commit_with_retry(session: Session, work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run `work` and commit; on a transient abort roll back and run it again (other errors raise)."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            session.commit()
            return result
        except OperationalError as exc:
            session.rollback()
            if attempt == attempts or not is_transient(exc):
                raise
            log.info(
                "transaction aborted (%s), running it again (attempt %d)",
                exc.orig.__class__.__name__,
                attempt,
            )
    raise AssertionError("unreachable")
