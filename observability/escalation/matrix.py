"""The escalation matrix as validated data: people, rotations with overrides, and policies.

Each model checks itself (timezones, durations, overlapping overrides, step order); checks that
span items (an unknown person in a rotation, an unknown rotation in a step) live in `loading`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from observability.catalog import SERVICES, names
from observability.escalation.durations import format_duration, parse_duration

SHIFT_LENGTHS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MATCH_KEYS = (names.SERVICE, names.SEVERITY, names.TEAM)
TEAM_OF_SERVICE = {service.name: service.team for service in SERVICES}


def routing_labels(labels: dict[str, str]) -> dict[str, str]:
    """The labels policies match on; a missing team is the owner of the service in the catalog."""
    routed = dict(labels)
    service = routed.get(names.SERVICE, "")
    if not routed.get(names.TEAM) and service in TEAM_OF_SERVICE:
        routed[names.TEAM] = TEAM_OF_SERVICE[service]
    return routed


def _timezone(key: str) -> str:
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {key!r} (use an IANA name such as 'Europe/Berlin')") from None
    return key


def _wall_clock(text: object) -> time:
    # Unquoted 09:00 is a YAML 1.1 sexagesimal integer (540); insist on the quoted string.
    if not isinstance(text, str) or not re.fullmatch(r"\d{2}:\d{2}", text):
        raise ValueError(f'write the handoff as a quoted local time such as "09:00", got {text!r}')
    hours, minutes = int(text[:2]), int(text[3:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hours, minutes)


Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
TimeZone = Annotated[str, AfterValidator(_timezone)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
WallClock = Annotated[time, BeforeValidator(_wall_clock)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Person(_Item):
    """Someone who can be paged."""

    id: Identifier
    name: str = Field(min_length=1)
    slack_user_id: str = Field(pattern=r"^[UW][A-Z0-9]{2,}$", description="Slack member id, e.g. U024BE7LH")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    timezone: TimeZone


class Override(_Item):
    """`person` holds the rotation from `start` to `end` (local wall clock unless an offset is given)."""

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    person: Identifier
    note: str = ""

    def localized(self, zone: ZoneInfo) -> Override:
        """This override with naive times read in `zone` and all times in UTC."""

        def utc(moment: datetime) -> datetime:
            return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)

        return self.model_copy(update={"start": utc(self.start), "end": utc(self.end)})

    def label(self, zone: ZoneInfo) -> str:
        """`from → to (person)` in the rotation's local time, as people wrote it."""
        start, end = self.start.astimezone(zone), self.end.astimezone(zone)
        return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} ({self.person})"


class Rotation(_Item):
    """Members take turns; shifts hand off at `handoff` local time in `timezone`, from `start` on."""

    id: Identifier
    name: str = ""
    members: list[Identifier] = Field(min_length=1)
    shift: Literal["daily", "weekly", "custom"]
    shift_length: Duration | None = Field(None, description="only with shift: custom, e.g. 12h or 3d")
    handoff: WallClock
    timezone: TimeZone
    start: date = Field(description="members[0] holds the shift that starts at handoff on this date")
    overrides: list[Override] = []

    @model_validator(mode="after")
    def _check(self) -> Rotation:
        if self.shift == "custom":
            if self.shift_length is None:
                raise ValueError("shift: custom needs a shift_length such as '12h' or '3d'")
            if self.shift_length < timedelta(hours=1) or self.shift_length.total_seconds() % 60:
                raise ValueError(
                    f"shift_length {format_duration(self.shift_length)} must be whole minutes, ≥ 1h"
                )
        elif self.shift_length is not None:
            raise ValueError(f"shift_length is only for shift: custom (a {self.shift} shift is fixed)")
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"members list someone twice: {self.members}")
        self.overrides = [override.localized(self.zone) for override in self.overrides]
        for index, override in enumerate(self.overrides):
            if override.end <= override.start:
                raise ValueError(f"overrides[{index}] ends before it starts: {override.label(self.zone)}")
        ordered = sorted(enumerate(self.overrides), key=lambda pair: pair[1].start)
        for (i, first), (j, second) in pairwise(ordered):
            if second.start < first.end:
                both = f"{first.label(self.zone)} and {second.label(self.zone)}"
                raise ValueError(f"overrides[{i}] and overrides[{j}] overlap: {both}")
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def length(self) -> timedelta:
        return self.shift_length or SHIFT_LENGTHS[self.shift]


class Target(_Item):
    """Exactly one of: a rotation (whoever is on call), a person, or a Slack channel."""

    rotation: Identifier | None = None
    person: Identifier | None = None
    channel: str | None = Field(None, pattern=r"^(#[a-z0-9][a-z0-9_-]{0,79}|C[A-Z0-9]{2,})$")

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = [kind for kind in ("rotation", "person", "channel") if getattr(self, kind)]
        if len(given) != 1:
            raise ValueError(
                f"a target names exactly one of rotation, person, channel (got {given or 'none'})"
            )
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in ("rotation", "person", "channel") if getattr(self, kind))

    @property
    def ref(self) -> str:
        return str(getattr(self, self.kind))

    def label(self) -> str:
        return f"{self.kind}:{self.ref}"


class Step(_Item):
    """Page `targets` once `delay` has passed since the incident (or the re-armed round) started."""

    delay: Duration
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _not_negative(self) -> Step:
        if self.delay < timedelta(0):
            raise ValueError(
                f"negative delay {format_duration(self.delay)}: a step cannot fire before the incident"
            )
        return self


class Policy(_Item):
    """Ordered steps for incidents whose labels match; `repeat` more cycles, `repeat_every` apart."""

    id: Identifier
    description: str = ""
    match: dict[Literal["service", "severity", "team"], str | list[str]] = {}
    steps: list[Step] = Field(min_length=1)
    repeat: int = Field(0, ge=0, le=20)
    repeat_every: Duration | None = None
    ack_timeout: Duration | None = Field(None, description="re-arm an acknowledged, unresolved incident")

    @model_validator(mode="after")
    def _check(self) -> Policy:
        for index, (before, after) in enumerate(pairwise(self.steps), start=1):
            if after.delay < before.delay:
                raise ValueError(
                    f"steps[{index}] delay {format_duration(after.delay)} is earlier than "
                    f"steps[{index - 1}] delay {format_duration(before.delay)}: steps are in firing order"
                )
        last_delay = self.steps[-1].delay
        if self.repeat and self.repeat_every is None:
            raise ValueError("repeat needs repeat_every (the time between the starts of two cycles)")
        if self.repeat_every is not None and self.repeat_every <= last_delay:
            raise ValueError(
                f"repeat_every {format_duration(self.repeat_every)} must be longer than the last step's "
                f"delay {format_duration(last_delay)}"
            )
        if self.ack_timeout is not None and self.ack_timeout <= timedelta(0):
            raise ValueError("ack_timeout must be positive")
        return self

    def matches(self, labels: dict[str, str]) -> bool:
        """True when every match key is satisfied by the labels (an empty match is the default)."""
        for key, wanted in self.match.items():
            allowed = [wanted] if isinstance(wanted, str) else wanted
            if labels.get(key) not in allowed:
                return False
        return True


class Matrix(BaseModel):
    """The whole matrix, validated and cross-checked (built by `loading.load_matrix`)."""

    people: dict[str, Person]
    rotations: dict[str, Rotation]
    policies: list[Policy]
    review_severities: list[str] = []  # incidents of these severities get a review draft on resolve

    def policy_for(self, labels: dict[str, str]) -> Policy:
        """The first policy whose match fits the labels; the validated matrix ends with a default."""
        routed = routing_labels(labels)
        return next(policy for policy in self.policies if policy.matches(routed))

    def policy(self, policy_id: str) -> Policy | None:
        return next((policy for policy in self.policies if policy.id == policy_id), None)
