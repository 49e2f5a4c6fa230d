"""Escalation step rows: write a plan, cancel what is pending, number the next round."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from observability.escalation.plan import PlannedStep
from observability.incidents.lifecycle import SEVERITY_CHANGED
from observability.store.escalation_models import STEP_CANCELLED, STEP_PENDING, EscalationStep
from observability.store.models import TimelineEvent
from observability.store.row_insert import RowInsert

_INSERT_STEPS = RowInsert(
    EscalationStep,
    (
        "incident_id",
        "policy",
        "round",
        "cycle",
        "step",
        "due_at",
        "targets",
        "status",
        "created_at",
        "cancel_reason",
    ),
)


def schedule(session: Session, incident_id: int, plan: Sequence[PlannedStep], now: datetime) -> None:
    """Insert one pending row per planned step (the unique plan position rejects a second copy)."""
    if not plan:
        return
    rows = [
        {
            "incident_id": incident_id,
            "policy": planned.policy,
            "round": planned.round,
            "cycle": planned.cycle,
            "step": planned.step,
            "due_at": planned.due_at,
            "targets": [{target.kind: target.ref} for target in planned.targets],
            "status": STEP_PENDING,
            "created_at": now,
            "cancel_reason": "",
        }
        for planned in plan
    ]
    # This runs inside every webhook that opens an incident, so no ORM.
    _INSERT_STEPS.execute(session, rows)


def cancel_pending(session: Session, incident_id: int, now: datetime, reason: str) -> int:
    """Cancel every pending step of the incident; the number cancelled."""
    result = session.execute(
        update(EscalationStep)
        .where(EscalationStep.incident_id == incident_id, EscalationStep.status == STEP_PENDING)
        .values(status=STEP_CANCELLED, cancelled_at=now, cancel_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def next_round(session: Session, incident_id: int) -> int:
    """The round number a new plan for the incident gets (0 for its first)."""
    latest = session.scalar(
        select(func.max(EscalationStep.round)).where(EscalationStep.incident_id == incident_id)
    )
    return 0 if latest is None else latest + 1


def current_policy(session: Session, incident_id: int) -> str | None:
    """The policy the incident escalates under: its latest round's, or the one a later severity
    change re-planned it under (an acknowledged incident's re-plan may have planned no step)."""
    planned = session.execute(
        select(EscalationStep.policy, EscalationStep.created_at)
        .where(EscalationStep.incident_id == incident_id)
        .order_by(EscalationStep.round.desc(), EscalationStep.id.desc())
        .limit(1)
    ).first()
    # The latest change that re-planned (one under the same policy names none) says it, unless
    # steps were planned after it.
    for data, at in session.execute(
        select(TimelineEvent.data, TimelineEvent.at)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == SEVERITY_CHANGED)
        .order_by(TimelineEvent.at.desc(), TimelineEvent.id.desc())
    ):
        replanned = (data or {}).get("policy")
        if replanned:
            return str(replanned) if planned is None or at >= planned.created_at else str(planned.policy)
    return None if planned is None else str(planned.policy)


def next_due_at(session: Session) -> datetime | None:
    """When the earliest pending step of any incident is due."""
    return session.scalar(
        select(func.min(EscalationStep.due_at)).where(EscalationStep.status == STEP_PENDING)
    )
