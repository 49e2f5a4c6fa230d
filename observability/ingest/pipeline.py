"""Ingest one notification durably: one transaction, retried when a racing one wins a constraint."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
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
from observability.store.engine import serial_writes

log = logging.getLogger(__name__)

# A racing first notification of the same group (or the same occurrence) loses a unique index;
# the retry then sees the winner's rows. More attempts than that means something else is wrong.
MAX_ATTEMPTS = 5


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
    serial = serial_writes(sessions)
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
