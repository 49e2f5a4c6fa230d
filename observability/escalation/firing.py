"""Fire due escalation steps: claim them, page, record on the timeline and in the outbox.

Exactly once: a worker claims due pending rows with `SELECT … FOR UPDATE SKIP LOCKED` (on
SQLite the whole transaction is the single writer: `BEGIN IMMEDIATE`), and in that same
transaction marks them fired, appends one `escalated` timeline event per step and inserts the
outbox rows. The row lock is the claim's lease: it lasts exactly as long as the transaction, so a
worker that dies mid-way leaves the rows pending for the next tick, and another replica skips
them instead of waiting. Outbox idempotency keys are unique as a second line of defence.

Core statements, a handful per batch whatever its size: this is the engine's hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from observability.delivery import slack_rows
from observability.escalation.durations import format_duration
from observability.escalation.matrix import Matrix, Target
from observability.escalation.oncall import ShiftCache
from observability.escalation.plan import Page, pages
from observability.incidents.lifecycle import ACKNOWLEDGED, ESCALATED, INCIDENT_RESOLVED, TRIGGERED
from observability.store.episode_writes import mark_first_paged
from observability.store.escalation_models import (
    OUTBOX_PENDING,
    STEP_CANCELLED,
    STEP_FIRED,
    STEP_PENDING,
    EscalationStep,
    OutboxMessage,
)
from observability.store.models import Incident, TimelineEvent
from observability.store.row_insert import RowInsert
from observability.telemetry import record_escalation

ESCALATION_ACTOR = "escalation"
FIRED_BY_MAX = 128  # escalation_steps.fired_by
PAGE = "page"

_STEP_COLUMNS = (
    EscalationStep.id,
    EscalationStep.incident_id,
    EscalationStep.policy,
    EscalationStep.round,
    EscalationStep.cycle,
    EscalationStep.step,
    EscalationStep.due_at,
    EscalationStep.targets,
)
_INSERT_EVENTS = RowInsert(TimelineEvent, ("incident_id", "at", "kind", "actor", "message", "data"))
_INSERT_OUTBOX = RowInsert(
    OutboxMessage,
    (
        "incident_id",
        "escalation_step_id",
        "kind",
        "target",
        "person",
        "channel",
        "payload",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "last_error",
    ),
)
_INCIDENT_COLUMNS = (
    Incident.id,
    Incident.title,
    Incident.service,
    Incident.severity,
    Incident.status,
    Incident.acknowledged_at,
    Incident.acknowledged_by,
)


def fire_due_steps(
    session: Session, matrix: Matrix, *, now: datetime, worker: str, limit: int, clock: Callable[[], datetime]
) -> int:
    """Fire up to `limit` pending steps due at `now`, inside the caller's transaction; how many fired.

    `now` picks what is due; `clock()` stamps when the steps actually fired (lateness is measured
    from it, so it includes the time spent waiting for the claim).
    """
    claimed = session.execute(
        select(*_STEP_COLUMNS)
        .where(EscalationStep.status == STEP_PENDING, EscalationStep.due_at <= now)
        .order_by(EscalationStep.due_at, EscalationStep.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return _fire_claimed(session, matrix, claimed, worker=worker, clock=clock)


def fire_next_step(session: Session, matrix: Matrix, *, incident_id: int, actor: str, now: datetime) -> int:
    """Fire the incident's earliest pending step at once, for `actor`; 1, or 0 when none is pending."""
    # Waits for (rather than skips) a step an engine is firing: then that one is no longer pending.
    claimed = session.execute(
        select(*_STEP_COLUMNS)
        .where(EscalationStep.incident_id == incident_id, EscalationStep.status == STEP_PENDING)
        .order_by(EscalationStep.due_at, EscalationStep.id)
        .limit(1)
        .with_for_update()
    ).all()
    worker = actor[:FIRED_BY_MAX]  # who fired it, as the engine stamps its own name
    return _fire_claimed(session, matrix, claimed, worker=worker, clock=lambda: now, escalated_by=actor)


def _fire_claimed(
    session: Session,
    matrix: Matrix,
    claimed: Sequence[Any],
    *,
    worker: str,
    clock: Callable[[], datetime],
    escalated_by: str | None = None,
) -> int:
    """Fire the claimed steps: timeline events, outbox rows, episodes' first page; how many fired."""
    if not claimed:
        return 0
    incident_ids = {step.incident_id for step in claimed}
    # The incidents are locked too, skipping any another transaction holds (an ack, a resolve, the
    # ingest): those lock the incident, then its episode, then cancel its steps, so waiting for
    # them while holding their steps would deadlock. Their steps stay pending for the next run.
    incidents = {
        row.id: row
        for row in session.execute(
            select(*_INCIDENT_COLUMNS)
            .where(Incident.id.in_(incident_ids))
            .with_for_update(key_share=True, skip_locked=True)
        )
    }
    claimed = [step for step in claimed if step.incident_id in incidents]
    fired_at = clock()
    # The resolve hook cancels pending steps; this covers a path that bypassed it.
    moot = [step.id for step in claimed if incidents[step.incident_id].status == INCIDENT_RESOLVED]
    due = [step for step in claimed if incidents[step.incident_id].status != INCIDENT_RESOLVED]
    if moot:
        session.execute(
            update(EscalationStep)
            .where(EscalationStep.id.in_(moot))
            .values(status=STEP_CANCELLED, cancelled_at=fired_at, cancel_reason="resolved")
            .execution_options(synchronize_session=False)
        )
    if not due:
        return 0
    # Only a re-armed round is pending while acknowledged (the ack cancelled the rest): the ack
    # timeout ran out with the incident unresolved, so it needs acknowledging again. A step
    # someone fires by hand likewise pages people who have not acknowledged yet.
    retriggered = {step.incident_id for step in due if incidents[step.incident_id].status == ACKNOWLEDGED}
    if retriggered:
        session.execute(
            update(Incident)
            # Guarded: never undo a resolve that committed since the status was read.
            .where(Incident.id.in_(retriggered), Incident.status == ACKNOWLEDGED)
            .values(status=TRIGGERED, updated_at=fired_at)
            .execution_options(synchronize_session=False)
        )
    events, messages, paged, threads = [], [], set(), []
    targets = _TargetCache(matrix)
    shifts = ShiftCache()
    for step in due:
        incident = incidents[step.incident_id]
        event, outbox = _fire(
            matrix, targets, shifts, step, incident, fired_at, step.incident_id in retriggered, escalated_by
        )
        events.append(event)
        messages.extend(outbox)
        if outbox:
            paged.add(incident.id)
        # Slack: one thread line per step, mentioning every person it pages.
        people = [row["channel"] for row in outbox if row["person"]]
        threads.append((step.incident_id, event["message"], people, step.incident_id in retriggered))
        record_escalation(session, severity=incident.severity)
    _INSERT_EVENTS.execute(session, events)
    _INSERT_OUTBOX.execute(session, messages)
    mark_first_paged(session, paged, fired_at)
    slack_rows.steps_fired(session, threads, fired_at)
    # Stamped last, just before the commit, so measured lateness includes the batch's own work.
    session.execute(
        update(EscalationStep)
        .where(EscalationStep.id.in_([step.id for step in due]))
        .values(status=STEP_FIRED, fired_at=clock(), fired_by=worker)
        .execution_options(synchronize_session=False)
    )
    return len(due)


class _TargetCache:
    """Stored target dicts parsed once per batch, split into those the matrix still has and not."""

    def __init__(self, matrix: Matrix) -> None:
        self.matrix = matrix
        self._parsed: dict[tuple[tuple[str, str], ...], tuple[list[Target], list[str]]] = {}

    def split(self, stored: list[dict[str, str]]) -> tuple[list[Target], list[str]]:
        key = tuple(item for raw in stored for item in raw.items())
        if key not in self._parsed:
            known: list[Target] = []
            missing: list[str] = []
            for raw in stored:
                target = Target.model_validate(raw)
                if (
                    target.channel is not None
                    or (target.rotation is not None and target.rotation in self.matrix.rotations)
                    or (target.person is not None and target.person in self.matrix.people)
                ):
                    known.append(target)
                else:
                    missing.append(target.label())
            self._parsed[key] = (known, missing)
        return self._parsed[key]


def _fire(
    matrix: Matrix,
    targets: _TargetCache,
    shifts: ShiftCache,
    step: Any,
    incident: Any,
    fired_at: datetime,
    retriggered: bool,
    escalated_by: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The timeline event and outbox rows of one fired step."""
    known, missing = targets.split(step.targets)
    # Rotations resolve at the step's due time, so a late tick pages who the plan said it would.
    paged = pages(matrix, known, step.due_at, shifts)
    policy = matrix.policy(step.policy)
    cycles = f"/{policy.repeat + 1}" if policy else ""
    steps = f"/{len(policy.steps)}" if policy else ""
    where = f"{step.policy} step {step.step + 1}{steps}, cycle {step.cycle + 1}{cycles}, round {step.round}"
    message = "paged " + (", ".join(_describe(page) for page in paged) or "nobody") + f" ({where})"
    if escalated_by is not None:
        message = f"escalated by {escalated_by}: {message}"
    elif retriggered:
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
    if escalated_by is not None:
        data["escalated_by"] = escalated_by
    event = {
        "incident_id": incident.id,
        "at": fired_at,
        "kind": ESCALATED,
        "actor": escalated_by or ESCALATION_ACTOR,
        "message": message,
        "data": data,
    }
    return event, [_outbox_row(step, incident, page, message, fired_at) for page in paged]


def _since(incident: Any, now: datetime) -> str:
    if incident.acknowledged_at is None:
        return "after the acknowledgement"
    by = f" by {incident.acknowledged_by}" if incident.acknowledged_by else ""
    return f"{format_duration(now - incident.acknowledged_at)} after the acknowledgement{by}"


def _describe(page: Page) -> str:
    via = page.target.split(":", 1)
    return page.name if via[0] != "rotation" else f"{page.name} (on call for {via[1]})"


def _outbox_row(step: Any, incident: Any, page: Page, message: str, now: datetime) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "escalation_step_id": step.id,
        "kind": PAGE,
        "target": page.target,
        "person": page.person,
        "channel": page.address,
        "payload": {
            "incident_id": incident.id,
            "title": incident.title,
            "severity": incident.severity,
            "service": incident.service,
            "status": TRIGGERED if incident.status == ACKNOWLEDGED else incident.status,
            "policy": step.policy,
            "round": step.round,
            "cycle": step.cycle,
            "step": step.step,
            "text": message,
        },
        "idempotency_key": f"escalation-step:{step.id}:{page.target}",
        "status": OUTBOX_PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
    }
