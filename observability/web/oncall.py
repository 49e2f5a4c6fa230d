"""`GET /api/v1/oncall`, and the escalation engine's place in the app (matrix, engine, scheduler).

`install` loads the matrix when the app is built, so the service refuses to start on an invalid
one (MatrixError, one line per problem); the app's lifespan starts and stops the scheduler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel

from observability.auth.dependencies import Viewer
from observability.escalation import hooks
from observability.escalation.engine import EscalationEngine, EscalationScheduler
from observability.escalation.loading import load_matrix
from observability.escalation.matrix import Matrix
from observability.escalation.oncall import InstantOutOfRange, roster
from observability.web.app import now_of

router = APIRouter(prefix="/api/v1", tags=["on-call"])


class PersonOut(BaseModel):
    id: str
    name: str
    slack_user_id: str
    email: str
    timezone: str


class ShiftOut(BaseModel):
    rotation: str
    name: str
    timezone: str
    person: PersonOut
    since: datetime
    until: datetime
    override: bool
    next: PersonOut


class OnCallOut(BaseModel):
    at: datetime
    rotations: list[ShiftOut]


def install(app: FastAPI) -> None:
    """Load the matrix (MatrixError on an invalid one) and build the app's escalation engine."""
    matrix = load_matrix(app.state.settings.matrix_path)
    app.state.matrix = matrix
    hooks.use_matrix(matrix)
    app.state.escalation = EscalationEngine(
        app.state.sessions, lambda: app.state.matrix, clock=lambda: now_of(app)
    )


def start_escalation(app: FastAPI) -> EscalationScheduler:
    """Start ticking the app's escalation engine (called from the app's lifespan)."""
    scheduler = EscalationScheduler(app.state.escalation, interval=app.state.settings.escalation_tick_seconds)
    scheduler.start()
    return scheduler


def _person(matrix: Matrix, person_id: str) -> PersonOut:
    return PersonOut.model_validate(matrix.people[person_id].model_dump())


@router.get("/oncall", response_model=OnCallOut)
def oncall(
    request: Request,
    _caller: Viewer,
    at: Annotated[
        datetime | None, Query(description="ISO 8601 instant with an offset (default: now)")
    ] = None,
) -> OnCallOut:
    """Who is on call for every rotation at `at`, since and until when, and who is next."""
    if at is not None and at.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "at: give a timezone offset, e.g. 2026-03-29T01:30Z"
        )
    moment = at or now_of(request.app)
    matrix: Matrix = request.app.state.matrix
    try:
        entries = roster(matrix, moment)
    except InstantOutOfRange as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"at: {exc}") from None
    shifts = [
        ShiftOut(
            rotation=entry.rotation.id,
            name=entry.rotation.name,
            timezone=entry.rotation.timezone,
            person=_person(matrix, entry.shift.person),
            since=entry.shift.start,
            until=entry.shift.end,
            override=entry.shift.override,
            next=_person(matrix, entry.next_person),
        )
        for entry in entries
    ]
    return OnCallOut(at=moment, rotations=shifts)
