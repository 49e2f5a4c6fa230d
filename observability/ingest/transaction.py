"""One notification's transaction: heartbeat, the group's incident, its alerts, timeline, episode
and ledger.

Round trips: one read (the group's latest incident, locked, with the statuses of the alerts the
notification names), then the writes (one statement on PostgreSQL), then the commit. The ledger
row is written with them; when its content hash is already there the caller rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from observability import telemetry
from observability.delivery import slack_rows
from observability.escalation import hooks as escalation
from observability.escalation.matrix import Matrix
from observability.incidents import episodes, lifecycle
from observability.incidents.alert_facts import (
    AlertFacts,
    RunbookLink,
    alert_facts,
    highest_severity,
    incident_service,
    incident_title,
)
from observability.incidents.payload import FIRING, AlertmanagerAlert, AlertmanagerNotification
from observability.ingest import portable_statements, postgres_statements
from observability.ingest.portable_statements import UPSERT_HEARTBEAT, insert_ledger
from observability.ingest.rows import Applied, IncidentRow, IncidentWrites, WritePath
from observability.reviews.wanted import want_review

INGEST_ACTOR = "alertmanager"
# The always-firing alert that proves the alerting pipeline works; it refreshes a heartbeat row
# (read by the dead-man's switch) instead of opening an incident.
WATCHDOG_ALERTNAME = "Watchdog"
HEARTBEAT = "heartbeat"
DUPLICATE = "duplicate"


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
    matrix: Matrix,
    rule_for: episodes.RuleFor | None = None,
    path: WritePath | None = None,
) -> IngestResult:
    """Apply a notification inside the session's transaction; DuplicateNotification when seen before.

    `rule_for` (alert name -> the rule's `for`) dates the impact start of an episode it opens;
    `path` is the backend's write path unless given (a test writes through both to compare them).
    """
    connection = session.connection()
    path = path or write_path(connection)
    ledger_values = {
        "content_hash": content_hash,
        "received_at": now,
        "group_key": notification.groupKey,
        "receiver": notification.receiver,
        "status": notification.status,
        "alert_count": len(notification.alerts),
        "truncated_alerts": notification.truncatedAlerts,
    }
    if any(alert.labels.get("alertname") == WATCHDOG_ALERTNAME for alert in alerts):
        connection.execute(
            UPSERT_HEARTBEAT[connection.dialect.name],
            {"name": WATCHDOG_ALERTNAME, "last_seen_at": now, "receiver": notification.receiver},
        )
    telemetry.on_commit(session, lambda t: t.alerts_received(alert.status for alert in notification.alerts))
    grouped = [alert for alert in alerts if alert.labels.get("alertname") != WATCHDOG_ALERTNAME]
    plan, current = _plan(connection, path, notification.groupKey, grouped, now, reopen_window)
    if plan.action in (lifecycle.IGNORE, lifecycle.REPEAT, HEARTBEAT):
        result = (
            _result(plan.action, current) if plan.action == lifecycle.REPEAT else IngestResult(plan.action)
        )
        if not insert_ledger(
            connection, {**ledger_values, "incident_id": result.incident_id, "outcome": plan.action}
        ):
            raise DuplicateNotification(content_hash)
        return result
    writes = _writes(notification, plan, current, runbooks, now)
    writes.ledger_values = {**ledger_values, "outcome": plan.action}
    writes.episode_opened, writes.episode_closed = _episode_writes(plan, current, rule_for or {}, now)
    applied = path.apply(connection, writes.normalised())
    if not applied.ledger_inserted:
        raise DuplicateNotification(content_hash)
    _after_transition(session, plan, applied, current, now, matrix)
    return _result(plan.action, applied.incident)


def write_path(connection: Connection) -> WritePath:
    """The backend's write path: single JSON statements on PostgreSQL, Core statements elsewhere."""
    return postgres_statements if connection.dialect.name == "postgresql" else portable_statements


def _plan(
    connection: Connection,
    path: WritePath,
    group_key: str,
    alerts: Sequence[AlertmanagerAlert],
    now: datetime,
    reopen_window: timedelta,
) -> tuple[lifecycle.IngestPlan, IncidentRow | None]:
    """Read the group's latest incident (locked) and plan what the alerts do to it."""
    if not alerts:
        return lifecycle.IngestPlan(action=HEARTBEAT), None
    current, known = path.read_latest(connection, group_key, sorted({alert.fingerprint for alert in alerts}))
    snapshot = None
    if current is not None:
        snapshot = lifecycle.IncidentSnapshot(
            status=current.status,
            resolved_at=current.resolved_at,
            firing_alerts=current.firing_alerts,
            known=known,
        )
    return lifecycle.plan_notification(snapshot, alerts, now=now, reopen_window=reopen_window), current


def _writes(
    notification: AlertmanagerNotification,
    plan: lifecycle.IngestPlan,
    current: IncidentRow | None,
    runbooks: Mapping[str, RunbookLink],
    now: datetime,
) -> IncidentWrites:
    facts = {alert.key: alert_facts(alert, runbooks) for alert in plan.new_alerts}
    if plan.action == lifecycle.OPEN or current is None:
        values = _opened_values(notification, plan, facts, now)
    else:
        values = _updated_values(notification, plan, current, facts, now)
    return IncidentWrites(
        incident_id=None if plan.action == lifecycle.OPEN or current is None else current.id,
        incident_values=values,
        new_alerts=[_alert_row(alert, facts[alert.key], now) for alert in plan.new_alerts],
        changed_alerts=[
            {
                "fingerprint": alert.fingerprint,
                "starts_at": alert.startsAt,
                "status": alert.status,
                "ends_at": alert.ended_at if alert.status != FIRING else None,
                "last_seen_at": now,
            }
            for alert in plan.changed_alerts
        ],
        events=[
            {"at": now, "kind": e.kind, "actor": INGEST_ACTOR, "message": e.message, "data": e.data}
            for e in plan.events
        ],
    )


def _episode_writes(
    plan: lifecycle.IngestPlan, current: IncidentRow | None, rule_for: episodes.RuleFor, now: datetime
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The episode an open or reopen starts, or the ends the latest episode reaches now."""
    touched = (*plan.new_alerts, *plan.changed_alerts)
    resolved_now = _resolved_now(plan, current)
    ends = {
        "mitigated_at": episodes.mitigated_at(touched, now) if plan.firing_alerts == 0 else None,
        "resolved_at": now if resolved_now else None,
    }
    if plan.action == lifecycle.OPEN or current is None:
        number = 1
    elif plan.action == lifecycle.REOPEN:
        number = current.reopen_count + 2
    else:
        has_ends = ends["mitigated_at"] is not None or ends["resolved_at"] is not None
        return None, ({"episode": current.reopen_count + 1, **ends} if has_ends else None)
    opened = {
        "episode": number,
        "impact_started_at": episodes.impact_started_at(touched, rule_for, now),
        "detected_at": now,
        **ends,
    }
    return opened, None


def _resolved_now(plan: lifecycle.IngestPlan, before: IncidentRow | None) -> bool:
    return plan.status == lifecycle.INCIDENT_RESOLVED and (
        before is None or before.status != lifecycle.INCIDENT_RESOLVED
    )


def _opened_values(
    notification: AlertmanagerNotification,
    plan: lifecycle.IngestPlan,
    facts: Mapping[tuple[str, datetime], AlertFacts],
    now: datetime,
) -> dict[str, Any]:
    return {
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


def _updated_values(
    notification: AlertmanagerNotification,
    plan: lifecycle.IngestPlan,
    current: IncidentRow,
    facts: Mapping[tuple[str, datetime], AlertFacts],
    now: datetime,
) -> dict[str, Any]:
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
    return values


def _alert_row(alert: AlertmanagerAlert, fact: AlertFacts, now: datetime) -> dict[str, Any]:
    return {
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


def _after_transition(
    session: Session,
    plan: lifecycle.IngestPlan,
    applied: Applied,
    before: IncidentRow | None,
    now: datetime,
    matrix: Matrix,
) -> None:
    """What other parts learn of a lifecycle change, inside the same transaction (metrics on commit)."""
    incident = applied.incident
    if plan.action in (lifecycle.OPEN, lifecycle.REOPEN):
        telemetry.record_incident_opened(
            session,
            severity=incident.severity,
            service=incident.service,
            runbook_missing=incident.runbook_missing,
        )
        opened = escalation.on_opened if plan.action == lifecycle.OPEN else escalation.on_reopened
        opened(session, incident, now, matrix)
    if _resolved_now(plan, before):
        if applied.impact_started_at is not None:  # None: an incident from before episodes
            telemetry.record_resolved(
                session,
                severity=incident.severity,
                impact_started_at=applied.impact_started_at,
                resolved_at=now,
            )
        escalation.on_resolved(session, incident, now)
        want_review(session, incident_id=incident.id, now=now)
    slack_rows.ingest_transition(
        session, incident, action=plan.action, resolved_now=_resolved_now(plan, before), now=now
    )


def _result(outcome: str, row: IncidentRow | None) -> IngestResult:
    if row is None:
        return IngestResult(outcome=outcome)
    return IngestResult(
        outcome=outcome,
        incident_id=row.id,
        severity=row.severity,
        service=row.service,
        runbook_missing=row.runbook_missing,
        opened_at=row.opened_at,
    )
