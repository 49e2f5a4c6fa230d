"""Fire due escalation steps: claim them, page, record on the timeline and in the outbox.

Exactly once: a worker claims due pending rows with `SELECT … FOR UPDATE SKIP LOCKED` (on
SQLite the whole transaction is the single writer: `BEGIN IMMEDIATE`), and in that same
transaction marks each row fired, appends the `escalated` timeline event and inserts the outbox
rows. The row lock is the claim's lease: it lasts exactly as long as the transaction, so a worker
that dies mid-way leaves the rows pending for the next tick, and another replica skips them
instead of waiting. Outbox idempotency keys are unique as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from observability.escalation.durations import format_duration
from observability.escalation.matrix import Matrix, Target
from observability.escalation.plan import Page, pages
from observability.incidents.lifecycle import ACKNOWLEDGED, ESCALATED, INCIDENT_RESOLVED, TRIGGERED
from observability.store.escalation_models import (
    OUTBOX_PENDING,
    STEP_CANCELLED,
    STEP_FIRED,
    STEP_PENDING,
    EscalationStep,
    OutboxMessage,
)
from observability.store.models import Incident, TimelineEvent
from observability.telemetry import record_escalation

ESCALATION_ACTOR = "escalation"
PAGE = "page"


def fire_due_steps(
    session: Session, matrix: Matrix, *, now: datetime, worker: str, limit: int, clock: Callable[[], datetime]
) -> int:
    """Fire up to `limit` pending steps due at `now`, inside the caller's transaction; how many fired.

    `now` picks what is due; `clock()` stamps when each step actually fired (lateness is measured
    from it, so it includes the time spent waiting for the claim).
    """
    claimed = session.scalars(
        select(EscalationStep)
        .where(EscalationStep.status == STEP_PENDING, EscalationStep.due_at <= now)
        .order_by(EscalationStep.due_at, EscalationStep.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not claimed:
        return 0
    incident_ids = {step.incident_id for step in claimed}
    incidents = {
        incident.id: incident
        for incident in session.scalars(select(Incident).where(Incident.id.in_(incident_ids)))
    }
    fired_at = clock()
    fired = 0
    for step in claimed:
        incident = incidents[step.incident_id]
        if incident.status == INCIDENT_RESOLVED:
            # The resolve hook cancels pending steps; this covers a path that bypassed it.
            step.status, step.cancelled_at, step.cancel_reason = STEP_CANCELLED, fired_at, "resolved"
            continue
        _fire(session, matrix, step, incident, fired_at, worker)
        fired += 1
    session.flush()
    return fired


def _fire(
    session: Session,
    matrix: Matrix,
    step: EscalationStep,
    incident: Incident,
    fired_at: datetime,
    worker: str,
) -> None:
    targets, missing = _known_targets(matrix, step.targets)
    # Rotations resolve at the step's due time, so a late tick pages who the plan said it would.
    paged = pages(matrix, targets, step.due_at)
    step.status, step.fired_at, step.fired_by = STEP_FIRED, fired_at, worker
    retriggered = incident.status == ACKNOWLEDGED
    if retriggered:
        # Only a re-armed round is pending while acknowledged (the ack cancelled the rest): the
        # ack timeout ran out with the incident unresolved, so it needs acknowledging again.
        incident.status, incident.updated_at = TRIGGERED, fired_at
    policy = matrix.policy(step.policy)
    cycles = f"/{policy.repeat + 1}" if policy else ""
    steps = f"/{len(policy.steps)}" if policy else ""
    where = f"{step.policy} step {step.step + 1}{steps}, cycle {step.cycle + 1}{cycles}, round {step.round}"
    message = "paged " + (", ".join(_describe(page) for page in paged) or "nobody") + f" ({where})"
    if retriggered:
        message = f"ack timeout: still unresolved {_since(incident, fired_at)}, re-triggered; {message}"
    if missing:
        message += f"; not in the matrix any more: {', '.join(missing)}"
    data: dict[str, Any] = {
        "step_id": step.id,
        "policy": step.policy,
        "round": step.round,
        "cycle": step.cycle,
        "step": step.step,
        "due_at": step.due_at.isoformat(),
        "pages": [{"target": p.target, "person": p.person, "address": p.address} for p in paged],
        "retriggered": retriggered,
    }
    session.add(
        TimelineEvent(
            incident_id=incident.id,
            at=fired_at,
            kind=ESCALATED,
            actor=ESCALATION_ACTOR,
            message=message,
            data=data,
        )
    )
    for page in paged:
        session.add(_outbox_row(step, incident, page, message, fired_at))
    record_escalation(session, severity=incident.severity)


def _known_targets(matrix: Matrix, stored: list[dict[str, str]]) -> tuple[list[Target], list[str]]:
    """The stored targets that still exist in the matrix, and labels of those that do not."""
    known: list[Target] = []
    missing: list[str] = []
    for raw in stored:
        target = Target.model_validate(raw)
        if (
            target.channel is not None
            or (target.rotation is not None and target.rotation in matrix.rotations)
            or (target.person is not None and target.person in matrix.people)
        ):
            known.append(target)
        else:
            missing.append(target.label())
    return known, missing


def _since(incident: Incident, now: datetime) -> str:
    if incident.acknowledged_at is None:
        return "after the acknowledgement"
    by = f" by {incident.acknowledged_by}" if incident.acknowledged_by else ""
    return f"{format_duration(now - incident.acknowledged_at)} after the acknowledgement{by}"


def _describe(page: Page) -> str:
    via = page.target.split(":", 1)
    return page.name if via[0] != "rotation" else f"{page.name} (on call for {via[1]})"


def _outbox_row(
    step: EscalationStep, incident: Incident, page: Page, message: str, now: datetime
) -> OutboxMessage:
    return OutboxMessage(
        incident_id=incident.id,
        escalation_step_id=step.id,
        kind=PAGE,
        target=page.target,
        person=page.person,
        channel=page.address,
        payload={
            "incident_id": incident.id,
            "title": incident.title,
            "severity": incident.severity,
            "service": incident.service,
            "status": incident.status,
            "policy": step.policy,
            "round": step.round,
            "cycle": step.cycle,
            "step": step.step,
            "text": message,
        },
        idempotency_key=f"escalation-step:{step.id}:{page.target}",
        status=OUTBOX_PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        last_error="",
    )
