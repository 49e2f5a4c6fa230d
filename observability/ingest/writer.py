"""One notification's transaction: heartbeat, the group's incident, its alerts, timeline and ledger.

Core statements on the hot path keep it to a few round trips: lock the group's latest incident,
read the statuses of the alerts the notification names, write the changes, insert the ledger row.
The ledger row goes last: when its content hash is already there the caller rolls everything back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from observability import telemetry
from observability.escalation import hooks as escalation
from observability.incidents import lifecycle
from observability.incidents.alert_facts import (
    AlertFacts,
    RunbookLink,
    alert_facts,
    highest_severity,
    incident_service,
    incident_title,
)
from observability.incidents.payload import FIRING, AlertmanagerAlert, AlertmanagerNotification
from observability.store.models import Heartbeat, Incident, IncidentAlert, IngestLedgerEntry, TimelineEvent

INGEST_ACTOR = "alertmanager"
# The always-firing alert that proves the alerting pipeline works; it refreshes a heartbeat row
# (read by the dead-man's switch) instead of opening an incident.
WATCHDOG_ALERTNAME = "Watchdog"
HEARTBEAT = "heartbeat"
DUPLICATE = "duplicate"

incidents = cast(Table, Incident.__table__)
incident_alerts = cast(Table, IncidentAlert.__table__)
timeline = cast(Table, TimelineEvent.__table__)
ledger = cast(Table, IngestLedgerEntry.__table__)
heartbeats = cast(Table, Heartbeat.__table__)
# A row of _INCIDENT_COLUMNS.
IncidentRow = Row[*tuple[Any, ...]]


class DuplicateNotification(Exception):
    """The ledger already holds this content: the transaction must be rolled back."""


@dataclass(frozen=True)
class IngestResult:
    """What one notification did (`outcome` is a lifecycle action, `duplicate` or `heartbeat`)."""

    outcome: str
    incident_id: int | None = None
    severity: str = ""
    service: str = ""
    runbook_missing: bool = False
    opened_at: datetime | None = None


def write_notification(
    session: Session,
    notification: AlertmanagerNotification,
    *,
    content_hash: str,
    alerts: Sequence[AlertmanagerAlert],
    now: datetime,
    reopen_window: timedelta,
    runbooks: Mapping[str, RunbookLink],
) -> IngestResult:
    """Apply a notification inside the session's transaction; DuplicateNotification when seen before."""
    beats = [alert for alert in alerts if alert.labels.get("alertname") == WATCHDOG_ALERTNAME]
    if beats:
        _beat(session, notification.receiver, now)
    incident_alerts_in = [alert for alert in alerts if alert.labels.get("alertname") != WATCHDOG_ALERTNAME]
    telemetry.on_commit(session, lambda t: t.alerts_received(alert.status for alert in notification.alerts))
    result = IngestResult(outcome=HEARTBEAT)
    if incident_alerts_in:
        result = _apply(session, notification, incident_alerts_in, now, reopen_window, runbooks)
    _insert_ledger(session, notification, content_hash, now, result)
    return result


def _apply(
    session: Session,
    notification: AlertmanagerNotification,
    alerts: Sequence[AlertmanagerAlert],
    now: datetime,
    reopen_window: timedelta,
    runbooks: Mapping[str, RunbookLink],
) -> IngestResult:
    current = _latest_incident(session, notification.groupKey)
    snapshot = None
    if current is not None:
        snapshot = lifecycle.IncidentSnapshot(
            status=current.status,
            resolved_at=current.resolved_at,
            firing_alerts=current.firing_alerts,
            known=_known_statuses(session, current.id, alerts),
        )
    plan = lifecycle.plan_notification(snapshot, alerts, now=now, reopen_window=reopen_window)
    if plan.action == lifecycle.IGNORE:
        return IngestResult(outcome=plan.action)
    if plan.action == lifecycle.REPEAT:
        assert current is not None
        return _result(plan.action, current)
    facts = {alert.key: alert_facts(alert, runbooks) for alert in plan.new_alerts}
    if plan.action == lifecycle.OPEN:
        opened = _open_incident(session, notification, plan, facts, now)
    else:
        assert current is not None
        opened = _update_incident(session, current, notification, plan, facts, now)
    incident_id = opened.id
    _insert_alerts(session, incident_id, plan.new_alerts, facts, now)
    _update_alerts(session, incident_id, plan.changed_alerts, now)
    _append_events(session, incident_id, plan.events, now)
    _after_transition(session, plan, opened, current, now)
    return _result(plan.action, opened)


def _after_transition(
    session: Session,
    plan: lifecycle.IngestPlan,
    incident: IncidentRow,
    before: IncidentRow | None,
    now: datetime,
) -> None:
    """What other parts learn of a lifecycle change, inside the same transaction (metrics on commit)."""
    if plan.action in (lifecycle.OPEN, lifecycle.REOPEN):
        telemetry.record_incident_opened(
            session,
            severity=incident.severity,
            service=incident.service,
            runbook_missing=incident.runbook_missing,
        )
        opened = escalation.on_opened if plan.action == lifecycle.OPEN else escalation.on_reopened
        opened(session, incident, now)
    resolved_now = plan.status == lifecycle.INCIDENT_RESOLVED and (
        before is None or before.status != lifecycle.INCIDENT_RESOLVED
    )
    if resolved_now:
        telemetry.record_resolved(session, severity=incident.severity, started_at=incident.opened_at, now=now)
        escalation.on_resolved(session, incident, now)


_INCIDENT_COLUMNS = (
    incidents.c.id,
    incidents.c.status,
    incidents.c.resolved_at,
    incidents.c.firing_alerts,
    incidents.c.severity,
    incidents.c.service,
    incidents.c.runbook_missing,
    incidents.c.opened_at,
    incidents.c.reopen_count,
)


def _result(outcome: str, row: IncidentRow) -> IngestResult:
    return IngestResult(
        outcome=outcome,
        incident_id=row.id,
        severity=row.severity,
        service=row.service,
        runbook_missing=row.runbook_missing,
        opened_at=row.opened_at,
    )


def _latest_incident(session: Session, group_key: str) -> IncidentRow | None:
    # FOR UPDATE serialises notifications of one group on PostgreSQL (SQLite has one writer anyway).
    query = (
        select(*_INCIDENT_COLUMNS)
        .where(incidents.c.group_key == group_key)
        .order_by(incidents.c.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.execute(query).first()


def _known_statuses(
    session: Session, incident_id: int, alerts: Sequence[AlertmanagerAlert]
) -> dict[tuple[str, datetime], str]:
    fingerprints = sorted({alert.fingerprint for alert in alerts})
    rows = session.execute(
        select(incident_alerts.c.fingerprint, incident_alerts.c.starts_at, incident_alerts.c.status).where(
            incident_alerts.c.incident_id == incident_id, incident_alerts.c.fingerprint.in_(fingerprints)
        )
    )
    return {(row.fingerprint, row.starts_at): row.status for row in rows}


def _open_incident(
    session: Session,
    notification: AlertmanagerNotification,
    plan: lifecycle.IngestPlan,
    facts: Mapping[tuple[str, datetime], AlertFacts],
    now: datetime,
) -> IncidentRow:
    values = {
        "group_key": notification.groupKey,
        "status": plan.status,
        "title": incident_title(notification),
        "service": incident_service(notification),
        "severity": highest_severity(f.severity for f in facts.values()),
        "receiver": notification.receiver,
        "group_labels": notification.groupLabels,
        "flapping": False,
        "reopen_count": 0,
        "firing_alerts": plan.firing_alerts,
        "truncated_alerts": notification.truncatedAlerts,
        "runbook_missing": any(not f.runbook_url for f in facts.values()),
        "opened_at": now,
        "updated_at": now,
    }
    return session.execute(incidents.insert().values(values).returning(*_INCIDENT_COLUMNS)).one()


def _update_incident(
    session: Session,
    current: IncidentRow,
    notification: AlertmanagerNotification,
    plan: lifecycle.IngestPlan,
    facts: Mapping[tuple[str, datetime], AlertFacts],
    now: datetime,
) -> IncidentRow:
    values: dict[str, Any] = {
        "status": plan.status,
        "firing_alerts": plan.firing_alerts,
        "severity": highest_severity([current.severity, *(f.severity for f in facts.values())]),
        "runbook_missing": current.runbook_missing or any(not f.runbook_url for f in facts.values()),
        "truncated_alerts": notification.truncatedAlerts,
        "updated_at": now,
    }
    if plan.action == lifecycle.REOPEN:
        values |= {
            "flapping": True,
            "reopen_count": current.reopen_count + 1,
            "resolved_at": None,
            "resolved_by": None,
            "acknowledged_at": None,
            "acknowledged_by": None,
        }
    elif plan.status == lifecycle.INCIDENT_RESOLVED and current.status != lifecycle.INCIDENT_RESOLVED:
        values |= {"resolved_at": now, "resolved_by": INGEST_ACTOR}
    statement = update(incidents).where(incidents.c.id == current.id).values(values)
    return session.execute(statement.returning(*_INCIDENT_COLUMNS)).one()


def _insert_alerts(
    session: Session,
    incident_id: int,
    alerts: Sequence[AlertmanagerAlert],
    facts: Mapping[tuple[str, datetime], AlertFacts],
    now: datetime,
) -> None:
    if not alerts:
        return
    rows = []
    for alert in alerts:
        fact = facts[alert.key]
        rows.append(
            {
                "incident_id": incident_id,
                "fingerprint": alert.fingerprint,
                "starts_at": alert.startsAt,
                "ends_at": alert.ended_at if alert.status != FIRING else None,
                "status": alert.status,
                "alertname": fact.alertname,
                "severity": fact.severity,
                "summary": fact.summary,
                "labels": alert.labels,
                "annotations": alert.annotations,
                "runbook_url": fact.runbook_url,
                "dashboard_url": fact.dashboard_url,
                "generator_url": fact.generator_url,
                "first_seen_at": now,
                "last_seen_at": now,
            }
        )
    session.execute(incident_alerts.insert(), rows)


_UPDATE_ALERT = (
    update(incident_alerts)
    .where(
        incident_alerts.c.incident_id == bindparam("b_incident_id"),
        incident_alerts.c.fingerprint == bindparam("b_fingerprint"),
        incident_alerts.c.starts_at == bindparam("b_starts_at"),
    )
    .values(status=bindparam("b_status"), ends_at=bindparam("b_ends_at"), last_seen_at=bindparam("b_now"))
)


def _update_alerts(
    session: Session, incident_id: int, alerts: Sequence[AlertmanagerAlert], now: datetime
) -> None:
    if not alerts:
        return
    rows = [
        {
            "b_incident_id": incident_id,
            "b_fingerprint": alert.fingerprint,
            "b_starts_at": alert.startsAt,
            "b_status": alert.status,
            "b_ends_at": alert.ended_at if alert.status != FIRING else None,
            "b_now": now,
        }
        for alert in alerts
    ]
    session.connection().execute(_UPDATE_ALERT, rows)


def _append_events(
    session: Session, incident_id: int, events: Sequence[lifecycle.EventDraft], now: datetime
) -> None:
    if not events:
        return
    rows = [
        {
            "incident_id": incident_id,
            "at": now,
            "kind": event.kind,
            "actor": INGEST_ACTOR,
            "message": event.message,
            "data": event.data,
        }
        for event in events
    ]
    session.execute(timeline.insert(), rows)


def _beat(session: Session, receiver: str, now: datetime) -> None:
    values = {"name": WATCHDOG_ALERTNAME, "last_seen_at": now, "receiver": receiver}
    insert = _dialect_insert(session, heartbeats).values(values)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[heartbeats.c.name], set_={"last_seen_at": now, "receiver": receiver}
        )
    )


def _insert_ledger(
    session: Session,
    notification: AlertmanagerNotification,
    content_hash: str,
    now: datetime,
    result: IngestResult,
) -> None:
    values = {
        "content_hash": content_hash,
        "received_at": now,
        "group_key": notification.groupKey,
        "receiver": notification.receiver,
        "status": notification.status,
        "alert_count": len(notification.alerts),
        "truncated_alerts": notification.truncatedAlerts,
        "incident_id": result.incident_id,
        "outcome": result.outcome,
    }
    insert = _dialect_insert(session, ledger).values(values)
    inserted = session.execute(
        insert.on_conflict_do_nothing(index_elements=[ledger.c.content_hash]).returning(ledger.c.id)
    ).first()
    if inserted is None:
        raise DuplicateNotification(content_hash)


def _dialect_insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
