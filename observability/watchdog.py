"""The dead-man's switch: no Watchdog alert for too long means the alerting pipeline is down.

Alertmanager sends the always-firing `Watchdog` alert on every repeat interval; ingest keeps its
last arrival in the `heartbeats` table. `check_watchdog` (run on a schedule by every replica)
opens the incident "Alerting pipeline down" when the heartbeat is older than the timeout and
resolves it once a Watchdog arrives again. It writes through the ingest path as a synthetic
notification for its own alert group, so the incident gets its timeline, runbook, escalation and
metrics like any other, and the ingest ledger makes replicas that tick together write it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum

import psycopg
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from observability.catalog import names
from observability.escalation.matrix import Matrix
from observability.incidents.alert_facts import RunbookLink
from observability.incidents.payload import AlertmanagerNotification
from observability.ingest.transaction import WATCHDOG_ALERTNAME, DuplicateNotification, write_notification
from observability.store.models import RESOLVED, Heartbeat, Incident, IncidentAlert
from observability.store.outage import log_job_failure

log = logging.getLogger(__name__)

PIPELINE_DOWN_ALERTNAME = "AlertingPipelineDown"
PIPELINE_DOWN_TITLE = "Alerting pipeline down"
PIPELINE_DOWN_GROUP_KEY = "obs:dead-mans-switch"
PIPELINE_DOWN_FINGERPRINT = "obs-dead-mans-switch"
PIPELINE_DOWN_SERVICE = "incident"
RECEIVER = "obs-dead-mans-switch"
# How often each replica looks at the heartbeat; well under any sensible timeout.
CHECK_INTERVAL_SECONDS = 30.0


class Verdict(StrEnum):
    """What the switch decides on one tick."""

    DISABLED = "disabled"  # timeout 0
    UNARMED = "unarmed"  # no Watchdog was ever seen: nothing to miss yet
    HEALTHY = "healthy"
    OPEN = "open"  # heartbeat stale, no incident yet: open one
    STILL_DOWN = "still-down"
    RECOVER = "recover"  # heartbeat fresh again while the incident is open: resolve it


def decide(*, last_seen: datetime | None, now: datetime, timeout: timedelta, incident_open: bool) -> Verdict:
    """The switch as a pure function of the heartbeat, the clock and the incident's state."""
    if timeout <= timedelta(0):
        return Verdict.DISABLED
    if last_seen is None:
        return Verdict.UNARMED
    stale = now - last_seen > timeout
    if stale:
        return Verdict.STILL_DOWN if incident_open else Verdict.OPEN
    return Verdict.RECOVER if incident_open else Verdict.HEALTHY


def check_watchdog(
    session: Session,
    now: datetime,
    *,
    timeout: timedelta = timedelta(seconds=600),
    runbooks: Mapping[str, RunbookLink] | None = None,
    matrix: Matrix,
) -> Verdict:
    """Open or resolve the pipeline-down incident as the heartbeat says; the caller commits."""
    last_seen = session.scalar(select(Heartbeat.last_seen_at).where(Heartbeat.name == WATCHDOG_ALERTNAME))
    open_id = session.scalar(
        select(Incident.id).where(Incident.group_key == PIPELINE_DOWN_GROUP_KEY, Incident.status != RESOLVED)
    )
    verdict = decide(last_seen=last_seen, now=now, timeout=timeout, incident_open=open_id is not None)
    if verdict is Verdict.OPEN:
        assert last_seen is not None
        notification = pipeline_down_notification(started_at=last_seen + timeout, runbooks=runbooks)
        _write(session, notification, now, matrix)
    elif verdict is Verdict.RECOVER:
        # Resolve the very occurrence that was opened: same fingerprint and startsAt.
        started_at = session.scalar(
            select(func.min(IncidentAlert.starts_at)).where(
                IncidentAlert.incident_id == open_id, IncidentAlert.fingerprint == PIPELINE_DOWN_FINGERPRINT
            )
        )
        assert started_at is not None and last_seen is not None
        notification = pipeline_down_notification(
            started_at=started_at, ended_at=last_seen, runbooks=runbooks
        )
        _write(session, notification, now, matrix)
    if verdict in (Verdict.OPEN, Verdict.RECOVER):
        log.warning("dead-man's switch: %s (Watchdog last seen %s)", verdict.value, last_seen)
    return verdict


def pipeline_down_notification(
    *,
    started_at: datetime,
    ended_at: datetime | None = None,
    runbooks: Mapping[str, RunbookLink] | None = None,
) -> AlertmanagerNotification:
    """The synthetic notification of the pipeline-down alert: firing, or resolved at `ended_at`.

    It starts when the heartbeat went stale, so replicas build the very same notification and
    the ingest ledger keeps one; a later outage is a new occurrence of the same alert.
    """
    runbooks = runbooks or {}
    labels = {
        "alertname": PIPELINE_DOWN_ALERTNAME,
        names.SEVERITY: names.CRITICAL,
        names.SERVICE: PIPELINE_DOWN_SERVICE,
    }
    annotations = {
        "summary": PIPELINE_DOWN_TITLE,
        "description": (
            f"{WATCHDOG_ALERTNAME} alerts stopped arriving in time at {started_at.isoformat()}: "
            "Prometheus, Alertmanager or the webhook between them and this service may be down."
        ),
    }
    runbook = runbooks.get(WATCHDOG_ALERTNAME)
    if runbook is not None:
        annotations["runbook_url"] = runbook.url
        if runbook.dashboard_urls:
            annotations["dashboard_url"] = runbook.dashboard_urls[0]
    status = "firing" if ended_at is None else "resolved"
    alert = {
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": started_at.isoformat(),
        "endsAt": ended_at.isoformat() if ended_at else "0001-01-01T00:00:00Z",
        "fingerprint": PIPELINE_DOWN_FINGERPRINT,
    }
    return AlertmanagerNotification.model_validate(
        {
            "version": "4",
            "groupKey": PIPELINE_DOWN_GROUP_KEY,
            "status": status,
            "receiver": RECEIVER,
            "groupLabels": {"alertname": PIPELINE_DOWN_ALERTNAME},
            "commonLabels": labels,
            "commonAnnotations": annotations,
            "alerts": [alert],
        }
    )


def _write(session: Session, notification: AlertmanagerNotification, now: datetime, matrix: Matrix) -> None:
    # In a savepoint: when another replica wrote the same notification first, undo only this.
    try:
        with session.begin_nested():
            write_notification(
                session,
                notification,
                content_hash=notification.content_hash(),
                alerts=notification.alerts,
                now=now,
                reopen_window=timedelta(0),
                runbooks={},
                matrix=matrix,
            )
    except (DuplicateNotification, IntegrityError, psycopg.IntegrityError):
        # psycopg's own error too: the PostgreSQL ingest path writes on the raw connection.
        log.info("dead-man's switch: another replica already wrote %s", notification.status)


def run_check(
    sessions: sessionmaker[Session],
    now: datetime,
    *,
    timeout: timedelta,
    runbooks: Mapping[str, RunbookLink] | None = None,
    matrix: Matrix,
) -> Verdict:
    """One tick in its own transaction (what the scheduler runs)."""
    with sessions() as session:
        verdict = check_watchdog(session, now, timeout=timeout, runbooks=runbooks, matrix=matrix)
        session.commit()
    return verdict


WATCHDOG_JOB_ID = "watchdog-check"


def add_watchdog_job(
    scheduler: BaseScheduler,
    sessions: sessionmaker[Session],
    *,
    timeout: timedelta,
    runbooks: Mapping[str, RunbookLink],
    matrix: Matrix,
    clock: Callable[[], datetime],
    interval: float = CHECK_INTERVAL_SECONDS,
) -> None:
    """Run the dead-man's switch on the process's scheduler every `interval` seconds."""

    def run() -> None:
        try:
            run_check(sessions, clock(), timeout=timeout, runbooks=runbooks, matrix=matrix)
        except Exception as exc:  # a database outage must not kill the job; the next run retries
            log_job_failure(log, "dead-man's switch check", exc)

    scheduler.add_job(run, "interval", seconds=interval, id=WATCHDOG_JOB_ID, max_instances=1, coalesce=True)
