"""What people do to incidents, from every surface (REST API, Slack, pages): keyword-only service
functions over the store, each a compare-and-set transition with its timeline event.

They run inside the caller's transaction; the caller commits, adding its audit row alongside.
The lifecycle rules themselves are pure (`observability.incidents.lifecycle`); this is the shell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from observability import telemetry
from observability.catalog import names
from observability.delivery import slack_rows
from observability.escalation import hooks as escalation
from observability.escalation import steps
from observability.escalation.firing import fire_next_step
from observability.escalation.matrix import Matrix
from observability.escalation.plan import escalation_plan
from observability.incidents import lifecycle
from observability.incidents.errors import IncidentNotFound, InvalidTransition
from observability.reviews.wanted import want_review
from observability.store.episode_writes import latest_episode
from observability.store.models import Incident, IncidentEpisode, TimelineEvent


def get_incident(session: Session, *, incident_id: int) -> Incident | None:
    """The incident with its alerts, timeline and episodes loaded, or None."""
    query = (
        select(Incident)
        .where(Incident.id == incident_id)
        .options(
            selectinload(Incident.alerts), selectinload(Incident.timeline), selectinload(Incident.episodes)
        )
    )
    return session.execute(query).scalar_one_or_none()


def list_incidents(
    session: Session,
    *,
    status: str | None = None,
    service: str | None = None,
    severity: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    """Incidents matching the filters, newest first, and how many match in total."""
    conditions = []
    if status is not None:
        conditions.append(Incident.status == status)
    if service is not None:
        conditions.append(Incident.service == service)
    if severity is not None:
        conditions.append(Incident.severity == severity)
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    page = session.scalars(
        select(Incident).where(*conditions).order_by(Incident.id.desc()).limit(limit).offset(offset)
    )
    return list(page), int(total)


def acknowledge(session: Session, *, incident_id: int, actor: str, now: datetime, matrix: Matrix) -> Incident:
    """Acknowledge a triggered incident (InvalidTransition when acknowledged or resolved).

    Escalation stops; a policy with an ack timeout re-arms from `now` (`matrix` says which).
    """
    incident = _locked(session, incident_id)
    incident.status = lifecycle.next_status(incident_id, incident.status, "acknowledge")
    incident.acknowledged_at, incident.acknowledged_by, incident.updated_at = now, actor, now
    episode = latest_episode(session, incident)
    # Only the episode's first acknowledgement counts: a re-ack after the ack timeout re-triggered
    # the incident keeps the first one (and its TTA).
    if episode is not None and episode.first_acknowledged_at is None:
        episode.first_acknowledged_at = now
        if episode.first_paged_at is not None:
            telemetry.record_acknowledged(
                session,
                severity=incident.severity,
                first_paged_at=episode.first_paged_at,
                first_acknowledged_at=now,
            )
    _append(session, incident, lifecycle.ACKNOWLEDGED_EVENT, actor, f"acknowledged by {actor}", now)
    escalation.on_acknowledged(session, incident, now, matrix)
    slack_rows.incident_changed(session, incident_id, f"acknowledged by {actor}", now)
    return incident


def resolve(session: Session, *, incident_id: int, actor: str, now: datetime) -> Incident:
    """Resolve an open incident by hand (InvalidTransition when already resolved)."""
    incident = _locked(session, incident_id)
    incident.status = lifecycle.next_status(incident_id, incident.status, "resolve")
    incident.resolved_at, incident.resolved_by, incident.updated_at = now, actor, now
    episode = latest_episode(session, incident)
    if episode is not None and episode.resolved_at is None:
        episode.resolved_at = now
        telemetry.record_resolved(
            session, severity=incident.severity, impact_started_at=episode.impact_started_at, resolved_at=now
        )
    _append(session, incident, lifecycle.RESOLVED_EVENT, actor, f"resolved by {actor}", now)
    escalation.on_resolved(session, incident, now)
    want_review(session, incident_id=incident.id, now=now)
    slack_rows.incident_changed(session, incident_id, f"resolved by {actor}", now)
    return incident


def add_note(session: Session, *, incident_id: int, actor: str, text: str, now: datetime) -> TimelineEvent:
    """Append a note to the incident's timeline."""
    incident = _locked(session, incident_id)
    incident.updated_at = now
    slack_rows.incident_changed(session, incident_id, f"note by {actor}: {text}", now, card=False)
    return _append(session, incident, lifecycle.NOTE, actor, text, now)


def escalate_now(
    session: Session, *, incident_id: int, actor: str, now: datetime, matrix: Matrix
) -> Incident:
    """Page the incident's next escalation step now (InvalidTransition when resolved).

    The earliest pending step fires at once (the rest of the plan keeps its times); with nothing
    pending (acknowledged without an ack timeout, or the plan ran out) a new round of the
    incident's policy starts now. The step's `escalated` event names `actor`; an acknowledged
    incident is triggered again, since the people now paged have not acknowledged.
    """
    incident = _locked(session, incident_id)
    if incident.status == lifecycle.INCIDENT_RESOLVED:
        raise InvalidTransition(incident_id, incident.status, "escalate")
    if not fire_next_step(session, matrix, incident_id=incident_id, actor=actor, now=now):
        policy = escalation.policy_of(session, incident, matrix)
        plan = escalation_plan(policy, now, round=steps.next_round(session, incident_id))
        steps.schedule(session, incident_id, plan, now)
        fire_next_step(session, matrix, incident_id=incident_id, actor=actor, now=now)
    session.refresh(incident)  # the firing changed the status with a Core UPDATE
    incident.updated_at = now
    # The fired step posts its own thread line (mentioning whom it paged); the card shows the status.
    slack_rows.incident_changed(session, incident_id, "", now, thread=False)
    return incident


@dataclass(frozen=True)
class SeverityChanged:
    """The incident with its new severity, and its escalation re-planned (None: same policy)."""

    incident: Incident
    replanned: escalation.Replanned | None

    def audit_details(self) -> dict[str, Any]:
        """What the audit row records of the re-plan."""
        if self.replanned is None:
            return {"escalation": "unchanged"}
        return {"escalation": asdict(self.replanned)}


def change_severity(
    session: Session, *, incident_id: int, actor: str, severity: str, now: datetime, matrix: Matrix
) -> SeverityChanged:
    """Set an open incident's severity (ValueError for an unknown one; InvalidTransition when the
    incident is resolved or already has it), and re-plan its escalation by the new severity's policy:
    pending steps of the old plan cancelled, the new plan from `now`, fired steps kept."""
    if severity not in names.SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}; expected one of {', '.join(names.SEVERITIES)}")
    incident = _locked(session, incident_id)
    if incident.status == lifecycle.INCIDENT_RESOLVED or incident.severity == severity:
        raise InvalidTransition(incident_id, f"{incident.status} ({incident.severity})", f"set {severity} on")
    before, incident.severity, incident.updated_at = incident.severity, severity, now
    replanned = escalation.on_severity_changed(
        session,
        incident,
        now,
        matrix,
        previous_severity=before,
        acknowledged=incident.status == lifecycle.ACKNOWLEDGED,
    )
    message = f"severity {before} -> {severity} by {actor}"
    data: dict[str, Any] = {"from": before, "to": severity}
    if replanned is not None:
        message += f"; escalation re-planned under {replanned.policy}"
        data["policy"] = replanned.policy
    _append(session, incident, lifecycle.SEVERITY_CHANGED, actor, message, now, data)
    slack_rows.incident_changed(session, incident_id, message, now)
    return SeverityChanged(incident, replanned)


def declare(
    session: Session, *, title: str, severity: str, service: str, actor: str, now: datetime, matrix: Matrix
) -> Incident:
    """Open an incident by hand (no alert behind it): planned, escalated and posted like any other."""
    if severity not in names.SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}; expected one of {', '.join(names.SEVERITIES)}")
    incident = Incident(
        group_key=f"declared:{now.timestamp():.6f}:{actor}",
        status=lifecycle.TRIGGERED,
        title=title,
        service=service,
        severity=severity,
        receiver="",
        group_labels={},
        opened_at=now,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    session.add(IncidentEpisode(incident_id=incident.id, episode=1, impact_started_at=now, detected_at=now))
    _append(session, incident, lifecycle.OPENED, actor, f"declared by {actor}", now, {"declared": True})
    telemetry.record_incident_opened(session, severity=severity, service=service, runbook_missing=False)
    escalation.on_opened(session, incident, now, matrix)
    slack_rows.incident_opened(session, incident, now)
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
    session: Session,
    incident: Incident,
    kind: str,
    actor: str,
    message: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    event = TimelineEvent(
        incident_id=incident.id, at=now, kind=kind, actor=actor, message=message, data=data or {}
    )
    session.add(event)
    session.flush()
    return event
