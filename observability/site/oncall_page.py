"""The on-call page: who holds every rotation now and next, overrides, and each policy's simulation.

Pure: the matrix and the instant come in, HTML goes out. The roster is `escalation.oncall.roster`
(what `obs oncall` prints) and the "if this fires now" timelines are `escalation.plan.simulate`
(what `obs escalation simulate` prints), so the page cannot disagree with the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from observability import catalog
from observability.escalation.durations import format_duration
from observability.escalation.matrix import Matrix, Override, Person, Policy, Rotation
from observability.escalation.oncall import roster
from observability.escalation.plan import Simulation, simulate
from observability.site.links import Links
from observability.site.templates import render

SEVERITIES = ("critical", "warning", "info")
UPCOMING_OVERRIDES = 5


@dataclass(frozen=True)
class RotationNow:
    """One rotation at the page's instant: its shift, who is next, and overrides still to come."""

    rotation: Rotation
    person: Person
    since: datetime
    until: datetime
    override: bool
    next_person: Person
    overrides: tuple[tuple[Override, Person], ...]


@dataclass(frozen=True)
class PolicyPreview:
    """A policy, the catalog services routed to it at one severity, and what it does if they fire now."""

    policy: Policy
    services: tuple[str, ...]
    labels: dict[str, str]
    simulation: Simulation

    @property
    def rules(self) -> str:
        """`3 step(s), repeated 2x every 30m, ack timeout 30m`, as `obs escalation simulate` says it."""
        policy = self.policy
        parts = [f"{len(policy.steps)} step(s)"]
        if policy.repeat and policy.repeat_every is not None:
            parts.append(f"repeated {policy.repeat}x every {format_duration(policy.repeat_every)}")
        parts.append(
            f"ack timeout {format_duration(policy.ack_timeout)}" if policy.ack_timeout else "no ack timeout"
        )
        return ", ".join(parts)


def rotations_now(matrix: Matrix, at: datetime) -> list[RotationNow]:
    """Every rotation's shift at `at` (matrix order), with the overrides that have not ended yet."""
    rows = []
    for entry in roster(matrix, at):
        upcoming = sorted((o for o in entry.rotation.overrides if o.end > at), key=lambda o: o.start)
        rows.append(
            RotationNow(
                rotation=entry.rotation,
                person=matrix.people[entry.shift.person],
                since=entry.shift.start,
                until=entry.shift.end,
                override=entry.shift.override,
                next_person=matrix.people[entry.next_person],
                overrides=tuple((o, matrix.people[o.person]) for o in upcoming[:UPCOMING_OVERRIDES]),
            )
        )
    return rows


def policy_previews(matrix: Matrix, at: datetime, severity: str) -> list[PolicyPreview]:
    """Each catalog service's policy at `severity`, simulated from `at` (services sharing one share it)."""
    routed: dict[str, list[str]] = {}
    for service in catalog.SERVICES:
        routed.setdefault(matrix.policy_for({"service": service.name, "severity": severity}).id, []).append(
            service.name
        )
    previews = []
    for services in routed.values():
        labels = {"service": services[0], "severity": severity}
        simulation = simulate(matrix, labels, at)
        previews.append(PolicyPreview(simulation.policy, tuple(services), labels, simulation))
    return previews


def oncall_page(matrix: Matrix, at: datetime, links: Links, *, severity: str, asked_at: str = "") -> str:
    """The whole page at instant `at` (aware); `asked_at` is the `?at=` text the viewer gave, if any."""
    return render(
        "oncall.html",
        links=links,
        at=at,
        asked_at=asked_at,
        severity=severity,
        severities=SEVERITIES,
        rotations=rotations_now(matrix, at),
        previews=policy_previews(matrix, at, severity),
        people=matrix.people,
    )
