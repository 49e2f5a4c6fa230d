"""The review's timeline: every stored event in time order, each marked automatic or by a person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# Actors that are the system itself, not a person: ingest (Alertmanager, which the dead-man's
# switch writes through too), the escalation engine, the watchdog and the service.
AUTOMATIC_ACTORS = frozenset({"alertmanager", "escalation", "watchdog", "system", "ingest"})


class TimelineRow(Protocol):
    """What the timeline reads of a stored event (an ORM TimelineEvent or a plain record)."""

    id: int
    at: datetime
    kind: str
    actor: str
    message: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor: str
    message: str
    automatic: bool
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


def is_automatic(actor: str) -> bool:
    """True for the system's own actors (and `system:`-prefixed ones), False for people and bots."""
    return actor in AUTOMATIC_ACTORS or actor.startswith("system:")


def merge_timeline(rows: Sequence[TimelineRow]) -> tuple[TimelineEntry, ...]:
    """Events ordered by time, then by the order they were stored in (ids), never by kind."""
    ordered = sorted(rows, key=lambda row: (row.at, row.id))
    return tuple(
        TimelineEntry(
            at=row.at,
            kind=row.kind,
            actor=row.actor,
            message=row.message,
            automatic=is_automatic(row.actor),
            data=dict(row.data or {}),
        )
        for row in ordered
    )
