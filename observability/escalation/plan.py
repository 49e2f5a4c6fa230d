"""The escalation plan of a policy for an incident, what an acknowledgement does to it, and who a
step pages. Pure: every time is a parameter.

A plan is numbered by round (0 when the incident opens; +1 each time the ack timeout re-arms it
or the incident reopens), cycle (0 .. repeat) and step (index in the policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from observability.escalation.matrix import Matrix, Policy, Target
from observability.escalation.oncall import ShiftCache


@dataclass(frozen=True)
class PlannedStep:
    """Step `step` of cycle `cycle` of round `round`: page `targets` at `due_at`."""

    policy: str
    round: int
    cycle: int
    step: int
    due_at: datetime
    targets: tuple[Target, ...]

    def label(self, policy: Policy) -> str:
        cycles, steps = policy.repeat + 1, len(policy.steps)
        return f"step {self.step + 1}/{steps}, cycle {self.cycle + 1}/{cycles}, round {self.round}"


@dataclass(frozen=True)
class Page:
    """One recipient of a fired step: a person (by rotation or by name) or a Slack channel."""

    target: str  # "rotation:platform-primary", "person:lena", "channel:#inc-api"
    person: str | None  # the person paged; None for a channel
    address: str  # Slack member id, or the channel
    name: str  # what people read: the person's name or the channel


def escalation_plan(policy: Policy, start: datetime, round: int = 0) -> list[PlannedStep]:
    """Every step of every cycle, in firing order, measured from `start`."""
    every = policy.repeat_every or timedelta(0)
    return [
        PlannedStep(policy.id, round, cycle, index, start + cycle * every + step.delay, tuple(step.targets))
        for cycle in range(policy.repeat + 1)
        for index, step in enumerate(policy.steps)
    ]


def rearmed_plan(policy: Policy, acknowledged_at: datetime, round: int) -> list[PlannedStep]:
    """After an ack the pending steps are cancelled; this is what the ack timeout schedules instead.

    Empty when the policy has no ack timeout: then the acknowledgement ends escalation for good.
    """
    if policy.ack_timeout is None:
        return []
    return escalation_plan(policy, acknowledged_at + policy.ack_timeout, round)


def pages(
    matrix: Matrix, targets: tuple[Target, ...] | list[Target], at: datetime, shifts: ShiftCache | None = None
) -> list[Page]:
    """Who the targets reach at `at` (a rotation resolves to whoever is on call then)."""
    shifts = shifts or ShiftCache()
    result = []
    for target in targets:
        if target.channel is not None:
            result.append(Page(target.label(), None, target.channel, target.channel))
            continue
        person_id = target.person or shifts.on_call(matrix.rotations[target.ref], at).person
        person = matrix.people[person_id]
        result.append(Page(target.label(), person.id, person.slack_user_id, person.name))
    return result


@dataclass(frozen=True)
class SimulatedStep:
    """A step the engine would fire, and who it would page."""

    step: PlannedStep
    pages: tuple[Page, ...]


@dataclass(frozen=True)
class Simulation:
    policy: Policy
    start: datetime
    acknowledged_at: datetime | None
    fired: list[SimulatedStep]
    cancelled: list[PlannedStep]


def simulate(
    matrix: Matrix, labels: dict[str, str], start: datetime, ack_after: timedelta | None = None
) -> Simulation:
    """What the engine does for an incident with `labels` opened at `start`, acknowledged once
    `ack_after` later (or never), and never resolved. A step due at the instant of the ack counts
    as not fired: the ack cancels it."""
    policy = matrix.policy_for(labels)
    planned = escalation_plan(policy, start)
    acknowledged_at = None if ack_after is None else start + ack_after
    cancelled: list[PlannedStep] = []
    if acknowledged_at is not None:
        cancelled = [step for step in planned if step.due_at >= acknowledged_at]
        planned = [step for step in planned if step.due_at < acknowledged_at]
        planned += rearmed_plan(policy, acknowledged_at, round=1)
    fired = [SimulatedStep(step, tuple(pages(matrix, step.targets, step.due_at))) for step in planned]
    return Simulation(policy, start, acknowledged_at, fired, cancelled)
