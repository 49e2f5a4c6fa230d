"""The web layer's one clock: `app.state.clock`, set by the app (tests replace it), as a dependency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """The wall clock in UTC (the app's clock unless a test injects another)."""
    return datetime.now(UTC)


def now_of(app: FastAPI) -> datetime:
    """The app's clock, read now."""
    clock: Clock = app.state.clock
    return clock()


def clock_of(app: FastAPI) -> Clock:
    """A clock that reads whatever `app.state.clock` is when called (for schedulers and engines)."""
    return lambda: now_of(app)


async def request_now(request: Request) -> datetime:
    """The time of this request, read once from the app's clock (async: no thread-pool hop)."""
    return now_of(request.app)


Now = Annotated[datetime, Depends(request_now)]
