"""Escalation step rows: write a plan, cancel what is pending, number the next round."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from pydantic_core import to_json
from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from observability.escalation.plan import PlannedStep
from observability.store.escalation_models import STEP_CANCELLED, STEP_PENDING, EscalationStep

_INSERT_STEPS = cast(Table, EscalationStep.__table__).insert()
_SCHEDULED_COLUMNS = (
    "incident_id, policy, round, cycle, step, due_at, targets, status, created_at, cancel_reason"
)
_INSERT_FROM_JSON = (
    f"INSERT INTO escalation_steps ({_SCHEDULED_COLUMNS}) SELECT {_SCHEDULED_COLUMNS} "
    "FROM json_populate_recordset(NULL::escalation_steps, CAST(%s AS json))"
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
            "due_at": _utc(planned.due_at),
            "targets": [{target.kind: target.ref} for target in planned.targets],
            "status": STEP_PENDING,
            "created_at": _utc(now),
            "cancel_reason": "",
        }
        for planned in plan
    ]
    # This runs inside every webhook that opens an incident, so no ORM: on PostgreSQL one
    # statement with the rows as JSON (a third cheaper than an executemany of ~9 rows),
    # elsewhere one Core executemany.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_INSERT_FROM_JSON, (to_json(rows).decode(),))
    else:
        connection.execute(_INSERT_STEPS, rows)


def _utc(value: datetime) -> datetime:
    # What the UTC column type checks on the Core path; the JSON path bypasses column types.
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC)


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
    """The policy of the incident's latest round, if it was ever planned."""
    return session.scalar(
        select(EscalationStep.policy)
        .where(EscalationStep.incident_id == incident_id)
        .order_by(EscalationStep.round.desc(), EscalationStep.id.desc())
        .limit(1)
    )


def next_due_at(session: Session) -> datetime | None:
    """When the earliest pending step of any incident is due."""
    return session.scalar(
        select(func.min(EscalationStep.due_at)).where(EscalationStep.status == STEP_PENDING)
    )
