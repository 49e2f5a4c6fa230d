"""Service functions people's actions go through (REST API, Slack): each writes its timeline event.

They run inside the caller's transaction (the caller commits, adding its audit row alongside).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from observability import telemetry
from observability.escalation import hooks as escalation
from observability.incidents import lifecycle
from observability.incidents.errors import IncidentNotFound, InvalidTransition
from observability.store.models import Incident, TimelineEvent


def get_incident(session: Session, *, incident_id: int) -> Incident | None:
    """The incident with its alerts and timeline loaded, or None."""
    query = (
        select(Incident)
        .where(Incident.id == incident_id)
        .options(selectinload(Incident.alerts), selectinload(Incident.timeline))
    )
    return session.execute(query).scalar_one_or_none()


def list_incidents(
    session: Session,
    *,
    status: str | None = None,
    service: str | None = None,
    severity: str | None = None,
    search: str | None = None,
    by_last_activity: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    """Incidents matching the filters, newest first (or last active first), and how many match.

    `search` matches a substring of the title or the group labels, ignoring case.
    """
    conditions = []
    if status is not None:
        conditions.append(Incident.status == status)
    if service is not None:
        conditions.append(Incident.service == service)
    if severity is not None:
        conditions.append(Incident.severity == severity)
    if search:
        conditions.append(
            or_(
                Incident.title.icontains(search, autoescape=True),
                cast(Incident.group_labels, Text).icontains(search, autoescape=True),
            )
        )
    order = (Incident.updated_at.desc(), Incident.id.desc()) if by_last_activity else (Incident.id.desc(),)
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    page = session.scalars(select(Incident).where(*conditions).order_by(*order).limit(limit).offset(offset))
    return list(page), int(total)


def acknowledge(session: Session, *, incident_id: int, actor: str, now: datetime) -> Incident:
    """Acknowledge a triggered incident (InvalidTransition when acknowledged or resolved)."""
    incident = _locked(session, incident_id)
    incident.status = lifecycle.next_status(incident_id, incident.status, "acknowledge")
    incident.acknowledged_at, incident.acknowledged_by, incident.updated_at = now, actor, now
    telemetry.record_acknowledged(session, severity=incident.severity, started_at=incident.opened_at, now=now)
    _append(session, incident, lifecycle.ACKNOWLEDGED_EVENT, actor, f"acknowledged by {actor}", now)
    escalation.on_acknowledged(session, incident, now)
    return incident


def resolve(session: Session, *, incident_id: int, actor: str, now: datetime) -> Incident:
    """Resolve an open incident by hand (InvalidTransition when already resolved)."""
    incident = _locked(session, incident_id)
    incident.status = lifecycle.next_status(incident_id, incident.status, "resolve")
    incident.resolved_at, incident.resolved_by, incident.updated_at = now, actor, now
    telemetry.record_resolved(session, severity=incident.severity, started_at=incident.opened_at, now=now)
    _append(session, incident, lifecycle.RESOLVED_EVENT, actor, f"resolved by {actor}", now)
    escalation.on_resolved(session, incident, now)
    return incident


def add_note(session: Session, *, incident_id: int, actor: str, text: str, now: datetime) -> TimelineEvent:
    """Append a note to the incident's timeline."""
    incident = _locked(session, incident_id)
    incident.updated_at = now
    return _append(session, incident, lifecycle.NOTE, actor, text, now)


def escalate_now(session: Session, *, incident_id: int, actor: str, now: datetime) -> Incident:
    """Page the next escalation step now instead of at its due time (InvalidTransition when resolved)."""
    incident = _locked(session, incident_id)
    if incident.status == lifecycle.INCIDENT_RESOLVED:
        raise InvalidTransition(incident_id, incident.status, "escalate")
    incident.updated_at = now
    _append(session, incident, lifecycle.ESCALATION_REQUESTED, actor, f"escalated now by {actor}", now)
    escalation.on_escalate_now(session, incident, now)
    return incident


def change_severity(
    session: Session, *, incident_id: int, actor: str, severity: str, now: datetime
) -> Incident:
    """Set the incident's severity (InvalidTransition when it already has it)."""
    incident = _locked(session, incident_id)
    if incident.severity == severity:
        raise InvalidTransition(incident_id, f"already {severity}", "change the severity of")
    previous, incident.severity, incident.updated_at = incident.severity, severity, now
    message = f"severity changed from {previous or 'none'} to {severity} by {actor}"
    _append(session, incident, lifecycle.SEVERITY_CHANGED, actor, message, now)
    return incident


def _locked(session: Session, incident_id: int) -> Incident:
    # Row lock: an ack racing the ingest's auto-resolve sees the other's committed status. NO KEY
    # UPDATE (key_share) still lets others insert rows that reference the incident (the escalation
    # engine's timeline events): FOR UPDATE deadlocked an ack against a firing step.
    incident = session.execute(
        select(Incident).where(Incident.id == incident_id).with_for_update(key_share=True)
    ).scalar_one_or_none()
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


def _append(
    session: Session, incident: Incident, kind: str, actor: str, message: str, now: datetime
) -> TimelineEvent:
    event = TimelineEvent(incident_id=incident.id, at=now, kind=kind, actor=actor, message=message, data={})
    session.add(event)
    session.flush()
    return event
