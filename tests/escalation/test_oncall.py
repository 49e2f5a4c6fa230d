"""Who is on call: the rota, overrides, and handoffs across DST changes in Berlin and New York."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from observability.escalation.matrix import Rotation
from observability.escalation.oncall import on_call, shifts_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def rotation(**fields: Any) -> Rotation:
    values: dict[str, Any] = {
        "id": "r",
        "members": ["a", "b", "c"],
        "shift": "daily",
        "handoff": "09:00",
        "timezone": "Europe/Berlin",
        "start": "2026-01-01",
    }
    return Rotation.model_validate(values | fields)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_members_take_turns_from_the_start_date_at_the_local_handoff() -> None:
    rota = rotation()
    assert on_call(rota, local(BERLIN, 2026, 1, 1, 9, 0)).person == "a"
    assert on_call(rota, local(BERLIN, 2026, 1, 2, 8, 59)).person == "a"
    assert on_call(rota, local(BERLIN, 2026, 1, 2, 9, 0)).person == "b"
    assert on_call(rota, local(BERLIN, 2026, 1, 3, 12, 0)).person == "c"
    assert on_call(rota, local(BERLIN, 2026, 1, 4, 12, 0)).person == "a"
    shift = on_call(rota, local(BERLIN, 2026, 1, 3, 12, 0))
    assert (shift.start, shift.end) == (local(BERLIN, 2026, 1, 3, 9, 0), local(BERLIN, 2026, 1, 4, 9, 0))


def test_before_the_start_date_the_cycle_runs_backwards() -> None:
    assert on_call(rotation(), local(BERLIN, 2025, 12, 31, 12, 0)).person == "c"


def test_weekly_and_custom_shift_lengths() -> None:
    weekly = rotation(shift="weekly", start="2026-01-05")
    assert on_call(weekly, local(BERLIN, 2026, 1, 12, 8, 59)).person == "a"
    assert on_call(weekly, local(BERLIN, 2026, 1, 12, 9, 0)).person == "b"
    twelve = rotation(shift="custom", shift_length="12h", members=["day", "night"])
    assert on_call(twelve, local(BERLIN, 2026, 1, 1, 20, 59)).person == "day"
    assert on_call(twelve, local(BERLIN, 2026, 1, 1, 21, 0)).person == "night"
    assert on_call(twelve, local(BERLIN, 2026, 1, 2, 9, 0)).person == "day"


def test_an_override_replaces_the_rota_and_splits_the_shift_around_it() -> None:
    rota = rotation(overrides=[{"from": "2026-01-02 13:00", "to": "2026-01-02 18:00", "person": "z"}])
    before = on_call(rota, local(BERLIN, 2026, 1, 2, 12, 0))
    during = on_call(rota, local(BERLIN, 2026, 1, 2, 13, 0))
    after = on_call(rota, local(BERLIN, 2026, 1, 2, 18, 0))
    assert (before.person, before.end) == ("b", local(BERLIN, 2026, 1, 2, 13, 0))
    assert (during.person, during.override, during.end) == ("z", True, local(BERLIN, 2026, 1, 2, 18, 0))
    assert (after.person, after.start, after.end) == ("b", during.end, local(BERLIN, 2026, 1, 3, 9, 0))
    people = [
        s.person for s in shifts_between(rota, local(BERLIN, 2026, 1, 2, 9), local(BERLIN, 2026, 1, 3, 9))
    ]
    assert people == ["b", "z", "b"]


def test_an_override_with_an_offset_is_read_as_written() -> None:
    rota = rotation(overrides=[{"from": "2026-01-02T12:00:00Z", "to": "2026-01-02T13:00:00Z", "person": "z"}])
    assert on_call(rota, datetime(2026, 1, 2, 12, 30, tzinfo=UTC)).person == "z"
    assert on_call(rota, datetime(2026, 1, 2, 13, 0, tzinfo=UTC)).person == "b"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        on_call(rotation(), datetime(2026, 1, 2, 12, 0))  # noqa: DTZ001 - naive on purpose


# Daylight-saving changes in 2026: (zone, day of the change, hours that day's 09:00 shift lasts).
DST_CHANGES = [
    pytest.param(BERLIN, (2026, 3, 29), 23, id="berlin-spring"),
    pytest.param(BERLIN, (2026, 10, 25), 25, id="berlin-autumn"),
    pytest.param(NEW_YORK, (2026, 3, 8), 23, id="new-york-spring"),
    pytest.param(NEW_YORK, (2026, 11, 1), 25, id="new-york-autumn"),
]


@pytest.mark.parametrize(("zone", "day", "hours"), DST_CHANGES)
def test_handoff_stays_at_local_wall_clock_across_dst(
    zone: ZoneInfo, day: tuple[int, int, int], hours: int
) -> None:
    rota = rotation(timezone=zone.key, start="2026-01-01")
    y, m, d = day
    change = datetime(y, m, d, tzinfo=zone)
    # The shift that contains the change (handed off at 09:00 the day before) is 23 or 25 h long.
    across = on_call(rota, change + timedelta(hours=4))
    assert across.start == local(zone, *(change - timedelta(days=1)).timetuple()[:3], 9, 0)
    assert across.end - across.start == timedelta(hours=hours)
    assert across.end.astimezone(zone).strftime("%H:%M") == "09:00"
    # The right person on each side of the handoff: one minute before it and at it.
    holder = on_call(rota, across.end - timedelta(minutes=1)).person
    taker = on_call(rota, across.end).person
    assert (holder, taker) == (across.person, rota.members[(rota.members.index(holder) + 1) % 3])


@pytest.mark.parametrize(("zone", "day", "hours"), DST_CHANGES)
@pytest.mark.parametrize("handoff", ["09:00", "02:30", "01:30"])
def test_no_gap_and_no_double_shift_around_dst(
    zone: ZoneInfo, day: tuple[int, int, int], hours: int, handoff: str
) -> None:
    rota = rotation(
        timezone=zone.key, handoff=handoff, shift="custom", shift_length="12h", members=["a", "b"]
    )
    middle = datetime(*day, 12, tzinfo=zone)
    shifts = shifts_between(rota, middle - timedelta(days=3), middle + timedelta(days=3))
    for before, after in pairwise(shifts):
        assert before.end == after.start  # contiguous: no gap, no overlap
        assert before.person != after.person  # a handoff always changes hands: no double shift
    # Every minute of the window is covered by exactly the shift that claims it.
    moment = shifts[0].start
    while moment < shifts[-1].end:
        covering = [s for s in shifts if s.start <= moment < s.end]
        assert len(covering) == 1 and on_call(rota, moment) == covering[0]
        moment += timedelta(minutes=30)
    # Wall clock: every handoff happens at the configured local time, or when the spring-forward
    # gap swallowed it, one hour later (02:30 does not exist that night).
    for shift in shifts[1:]:
        wall = shift.start.astimezone(zone).strftime("%H:%M")
        hh, mm = handoff.split(":")
        evening = f"{int(hh) + 12:02d}:{mm}"
        skipped = f"{int(hh) + 1:02d}:{mm}"
        assert wall in (handoff, evening) or (hours == 23 and wall == skipped), wall


def test_the_shipped_christmas_override(repo_root: Any) -> None:
    from observability.escalation.loading import load_matrix

    primary = load_matrix(repo_root / "incident").rotations["platform-primary"]
    christmas = on_call(primary, local(BERLIN, 2026, 12, 25, 12, 0))
    assert (christmas.person, christmas.override) == ("ben", True)
    assert on_call(primary, local(BERLIN, 2026, 12, 24, 8, 59)).person == "chloe"
    assert on_call(primary, local(BERLIN, 2026, 12, 28, 9, 0)).person == "dmitri"
