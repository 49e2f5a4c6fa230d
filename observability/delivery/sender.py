"""The interface every sender implements: `async send(message) -> Result`, and what goes in and out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session


class Outcome(StrEnum):
    SENT = "sent"  # the receiver accepted it
    RETRY = "retry"  # not accepted this time (rate limit, outage): try again later
    IN_DOUBT = "in_doubt"  # may have been accepted (timeout, 5xx): reconcile before sending again
    FAILED = "failed"  # the receiver will never accept it (bad channel, bad token): a dead letter now
    SKIPPED = "skipped"  # nothing to send (no receiver configured, or the incident has no card)


@dataclass(frozen=True)
class Message:
    """One claimed outbox row, as a sender sees it."""

    id: int
    incident_id: int
    kind: str
    channel: str
    stream: str
    payload: dict[str, Any]
    person: str | None
    target: str
    attempts: int  # including this one
    in_doubt: bool  # an earlier attempt may have been accepted
    created_at: datetime


@dataclass(frozen=True)
class Result:
    """What a send did; `record` runs in the transaction that marks the row sent (stores a ts, …)."""

    outcome: Outcome
    error: str = ""
    retry_after: float | None = None  # seconds the receiver asked us to wait (Retry-After)
    ref: str = ""  # the receiver's id of what it accepted (a Slack message ts)
    record: Callable[[Session], None] | None = field(default=None, compare=False)
    method: str = ""  # the receiver's method that answered (for per-method holds)


class Sender(Protocol):
    """Delivers outbox messages of the kinds it `handles`."""

    def handles(self, kind: str) -> bool: ...

    async def send(self, message: Message) -> Result: ...


def sent(ref: str = "", record: Callable[[Session], None] | None = None) -> Result:
    return Result(Outcome.SENT, ref=ref, record=record)


def retry(error: str, retry_after: float | None = None, method: str = "") -> Result:
    return Result(Outcome.RETRY, error=error, retry_after=retry_after, method=method)
