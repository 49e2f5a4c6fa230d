"""Ingest one notification durably: one transaction, retried when a racing one wins a constraint."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from observability.escalation.matrix import Matrix
from observability.incidents.alert_facts import RunbookLink
from observability.incidents.episodes import RuleFor
from observability.incidents.payload import AlertmanagerAlert, AlertmanagerNotification
from observability.ingest.transaction import (
    DUPLICATE,
    DuplicateNotification,
    IngestResult,
    write_notification,
)

log = logging.getLogger(__name__)

# A racing first notification of the same group (or the same occurrence) loses a unique index;
# the retry then sees the winner's rows. More attempts than that means something else is wrong.
MAX_ATTEMPTS = 5
_SQLITE_WRITER = threading.Lock()


def ingest_notification(
    sessions: sessionmaker[Session],
    notification: AlertmanagerNotification,
    *,
    now: datetime,
    reopen_window: timedelta,
    runbooks: Mapping[str, RunbookLink],
    matrix: Matrix,
    rule_for: RuleFor | None = None,
    extra_alerts: Sequence[AlertmanagerAlert] = (),
) -> IngestResult:
    """Commit the notification's effects (or nothing, for a duplicate); raises when it cannot."""
    content_hash = notification.content_hash()
    alerts = [*notification.alerts, *_missing(notification.alerts, extra_alerts)]
    bind = sessions.kw.get("bind")
    # SQLite has one writer: queue this process's writers on a lock rather than on SQLite's busy
    # handler, whose sleeps (1 ms, 2 ms, 5 ms, ... 100 ms) turn contention into long tails.
    serial: AbstractContextManager[object] = (
        _SQLITE_WRITER if bind is not None and bind.dialect.name == "sqlite" else nullcontext()
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with serial, sessions() as session:
            try:
                with session.begin():
                    return write_notification(
                        session,
                        notification,
                        content_hash=content_hash,
                        alerts=alerts,
                        now=now,
                        reopen_window=reopen_window,
                        runbooks=runbooks,
                        matrix=matrix,
                        rule_for=rule_for,
                    )
            except DuplicateNotification:
                return IngestResult(outcome=DUPLICATE)
            except IntegrityError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.info(
                    "ingest of group %r lost a race (attempt %d): %s",
                    notification.groupKey,
                    attempt,
                    exc.orig,
                )
    raise AssertionError("unreachable")


def _missing(
    alerts: Sequence[AlertmanagerAlert], extra: Sequence[AlertmanagerAlert]
) -> list[AlertmanagerAlert]:
    """Alerts fetched from Alertmanager that the (truncated) notification left out."""
    seen = {alert.key for alert in alerts}
    return [alert for alert in extra if alert.key not in seen]
