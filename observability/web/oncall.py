"""`GET /api/v1/oncall`, and the escalation engine's place in the app.

`install` builds the engine on the app's matrix (`app.state.matrix`, loaded once by the app) and
clock; `schedule` adds its ticks to the process's one scheduler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from apscheduler.schedulers.base import BaseScheduler
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel

from observability.auth.dependencies import Viewer
from observability.escalation.engine import EscalationEngine, add_escalation_job
from observability.escalation.matrix import Matrix
from observability.escalation.oncall import InstantOutOfRange, roster
from observability.web.clock import Now, clock_of

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
    """Build the app's escalation engine on its matrix and clock."""
    app.state.escalation = EscalationEngine(app.state.sessions, app.state.matrix, clock=clock_of(app))


def schedule(app: FastAPI, scheduler: BaseScheduler) -> None:
    """Tick the app's escalation engine on the process's scheduler."""
    add_escalation_job(scheduler, app.state.escalation, interval=app.state.settings.escalation_tick_seconds)


def _person(matrix: Matrix, person_id: str) -> PersonOut:
    return PersonOut.model_validate(matrix.people[person_id].model_dump())


@router.get("/oncall", response_model=OnCallOut)
def oncall(
    request: Request,
    _caller: Viewer,
    now: Now,
    at: Annotated[
        datetime | None, Query(description="ISO 8601 instant with an offset (default: now)")
    ] = None,
) -> OnCallOut:
    """Who is on call for every rotation at `at`, since and until when, and who is next."""
    if at is not None and at.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "at: give a timezone offset, e.g. 2026-03-29T01:30Z"
        )
    moment = at or now
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
