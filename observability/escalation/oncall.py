"""Who is on call for a rotation at an instant: pure, zoneinfo-aware, overrides first.

Regular shift k starts at the local wall-clock time `start date + handoff + k * shift length`
in the rotation's timezone, so a daily 09:00 Berlin handoff happens at 09:00 on both sides of a
DST change (that day's shift is 23 or 25 hours long). A handoff inside the spring-forward gap
happens when the clocks have moved on (02:30 → 03:30); one inside the autumn fold happens at its
first occurrence. Boundaries only ever move forward, so there is never a gap or a double shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from observability.escalation.matrix import Matrix, Rotation


@dataclass(frozen=True)
class Shift:
    """`person` holds `rotation` from `start` until `end` (UTC), by rota or by override."""

    rotation: str
    person: str
    start: datetime
    end: datetime
    override: bool = False


class InstantOutOfRange(ValueError):
    """A shift around the instant asked about would start or end outside the calendar (years 1-9999)."""


def handoff_at(rotation: Rotation, index: int) -> datetime:
    """UTC start of regular shift `index` (0 is members[0]'s first shift; negative is before start)."""
    try:
        naive = datetime.combine(rotation.start, rotation.handoff) + index * rotation.length
        return naive.replace(tzinfo=rotation.zone).astimezone(UTC)
    except OverflowError:
        # Near year 1 or 9999 the shift around an instant has a boundary no datetime can hold.
        raise InstantOutOfRange(
            f"rotation {rotation.id!r} has no shift boundary that close to the edge of the calendar; "
            "ask about an instant between years 2 and 9998"
        ) from None


def shift_index(rotation: Rotation, at: datetime) -> int:
    """The regular shift k with handoff_at(k) <= at < handoff_at(k + 1)."""
    _require_aware(at)
    index = (at - handoff_at(rotation, 0)) // rotation.length
    # The estimate is off by at most a few shifts (DST moves boundaries by an hour or so).
    while handoff_at(rotation, index) > at:
        index -= 1
    while handoff_at(rotation, index + 1) <= at:
        index += 1
    return index


def on_call(rotation: Rotation, at: datetime) -> Shift:
    """The shift covering `at`: an override if one is active, else the regular rota."""
    _require_aware(at)
    for override in rotation.overrides:
        if override.start <= at < override.end:
            return Shift(rotation.id, override.person, override.start, override.end, override=True)
    index = shift_index(rotation, at)
    start, end = handoff_at(rotation, index), handoff_at(rotation, index + 1)
    # An override that ended inside this regular shift starts what remains of it; one that
    # begins later in the shift ends it early.
    start = max([start, *(o.end for o in rotation.overrides if start < o.end <= at)])
    end = min([end, *(o.start for o in rotation.overrides if at < o.start < end)])
    person = rotation.members[index % len(rotation.members)]
    return Shift(rotation.id, person, start, end)


class ShiftCache:
    """Remembers each rotation's last shift, so many questions about nearby instants are cheap."""

    def __init__(self) -> None:
        self._last: dict[str, Shift] = {}

    def on_call(self, rotation: Rotation, at: datetime) -> Shift:
        shift = self._last.get(rotation.id)
        if shift is None or not shift.start <= at < shift.end:
            shift = self._last[rotation.id] = on_call(rotation, at)
        return shift


def shifts_between(rotation: Rotation, start: datetime, end: datetime) -> list[Shift]:
    """Every shift overlapping [start, end), in order, each starting where the previous ended."""
    shifts = []
    moment = start
    while moment < end:
        shift = on_call(rotation, moment)
        shifts.append(shift)
        moment = shift.end
    return shifts


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"on-call questions need an aware datetime, got naive {at.isoformat()}")


@dataclass(frozen=True)
class RosterEntry:
    """One rotation's current shift and who takes over when it ends."""

    rotation: Rotation
    shift: Shift
    next_person: str


def roster(matrix: Matrix, at: datetime) -> list[RosterEntry]:
    """Every rotation's shift at `at`, in matrix order."""
    entries = []
    for rotation in matrix.rotations.values():
        shift = on_call(rotation, at)
        entries.append(RosterEntry(rotation, shift, on_call(rotation, shift.end).person))
    return entries
