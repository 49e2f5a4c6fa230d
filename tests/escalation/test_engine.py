"""The engine with an injected clock, through the real ingest and service: due times, repeats,
acknowledgement, the ack timeout, resolution, reopening, and a restart between two steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from observability.escalation.engine import EscalationEngine
from observability.escalation.matrix import Matrix
from observability.store.escalation_models import STEP_CANCELLED, STEP_FIRED, STEP_PENDING
from tests.escalation.conftest import Desk, paged

# Monday 2 March 2026, 10:30 Berlin: anna is platform-primary, chloe secondary, lena manager,
# hana on the SRE day shift (see incident/rotations.yml).
T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MIN = timedelta(minutes=1)


def test_each_step_fires_at_its_due_time_and_not_before(desk: Desk) -> None:
    incident = desk.open(T)
    assert desk.tick(T) == 1
    first = desk.escalations(incident)
    assert [paged(event) for event in first] == [
        [("rotation:platform-primary", "anna"), ("channel:#inc-platform", "#inc-platform")]
    ]
    assert desk.tick(T + 10 * MIN - timedelta(seconds=1)) == 0
    assert desk.tick(T + 10 * MIN) == 1
    assert desk.tick(T + 10 * MIN) == 0  # fired once: a second tick at the same instant is a no-op
    second = desk.escalations(incident)[-1]
    assert paged(second) == [("rotation:platform-secondary", "chloe")]
    assert second.data["due_at"] == (T + 10 * MIN).isoformat()
    assert second.at == T + 10 * MIN
    assert "platform-critical step 2/3, cycle 1/3" in second.message
    # Every page is in the outbox once, for the Slack sender, with its idempotency key.
    rows = desk.outbox(incident)
    assert [(row.target, row.channel, row.status) for row in rows] == [
        ("rotation:platform-primary", "U04ANNA001", "pending"),
        ("channel:#inc-platform", "#inc-platform", "pending"),
        ("rotation:platform-secondary", "U04CHLOE03", "pending"),
    ]
    assert len({row.idempotency_key for row in rows}) == 3


def test_repeats_run_every_step_again_every_cycle(desk: Desk) -> None:
    incident = desk.open(T)
    for minute in range(0, 121):
        desk.tick(T + minute * MIN)
    events = desk.escalations(incident)
    positions = [(e.data["cycle"], e.data["step"], e.data["due_at"]) for e in events]
    expected = [
        (cycle, step, (T + cycle * 30 * MIN + delay * MIN).isoformat())
        for cycle in range(3)
        for step, delay in enumerate((0, 10, 20))
    ]
    assert positions == expected
    assert len(desk.outbox(incident)) == 3 * (2 + 1 + 2)
    assert desk.steps(incident, STEP_PENDING) == []


def test_acknowledging_stops_the_escalation_until_the_ack_timeout(desk: Desk) -> None:
    incident = desk.open(T)
    desk.tick(T)
    desk.acknowledge(incident, T + 5 * MIN)
    for minute in range(5, 35):
        assert desk.tick(T + minute * MIN) == 0, minute
    assert len(desk.escalations(incident)) == 1
    cancelled = desk.steps(incident, STEP_CANCELLED)
    assert len(cancelled) == 8 and {step.cancel_reason for step in cancelled} == {"acknowledged"}
    assert desk.incident(incident).status == "acknowledged"


def test_the_ack_timeout_re_triggers_an_unresolved_incident(desk: Desk) -> None:
    incident = desk.open(T)
    desk.tick(T)
    desk.acknowledge(incident, T + 5 * MIN)
    # 30 minutes after the ack nobody has resolved it: the plan starts again from step 1.
    assert desk.tick(T + 35 * MIN) == 1
    event = desk.escalations(incident)[-1]
    assert (event.data["round"], event.data["cycle"], event.data["step"]) == (1, 0, 0)
    assert event.data["retriggered"] is True
    assert event.message.startswith("ack timeout: still unresolved 30m after the acknowledgement by anna")
    assert desk.incident(incident).status == "triggered"
    # Acknowledged again, it stops again (and re-arms again).
    desk.acknowledge(incident, T + 36 * MIN, actor="ben")
    assert desk.tick(T + 46 * MIN) == 0
    assert min(step.due_at for step in desk.steps(incident, STEP_PENDING)) == T + 66 * MIN


def test_resolving_ends_the_escalation(desk: Desk) -> None:
    incident = desk.open(T)
    desk.tick(T)
    desk.acknowledge(incident, T + 2 * MIN)
    desk.resolve(incident, T + 3 * MIN)
    assert desk.steps(incident, STEP_PENDING) == []
    assert desk.tick(T + timedelta(days=1)) == 0
    assert len(desk.escalations(incident)) == 1


def test_alertmanager_resolving_the_group_ends_it_and_refiring_reopens_with_a_fresh_round(desk: Desk) -> None:
    incident = desk.open(T)
    desk.tick(T)
    desk.alert_resolves(T, T + 3 * MIN)
    assert desk.incident(incident).status == "resolved"
    assert {step.cancel_reason for step in desk.steps(incident, STEP_CANCELLED)} == {"resolved"}
    reopened = desk.open(T + 8 * MIN)  # fires again inside the reopen window
    assert reopened == incident
    assert desk.tick(T + 8 * MIN) == 1
    event = desk.escalations(incident)[-1]
    assert (event.data["round"], event.data["step"], event.data["due_at"]) == (
        1,
        0,
        (T + 8 * MIN).isoformat(),
    )


def test_warning_goes_to_the_team_channel_then_its_rotation_after_four_hours(desk: Desk) -> None:
    incident = desk.open(T, service="postgres", severity="warning")
    desk.tick(T)
    desk.tick(T + timedelta(hours=4))
    assert [paged(event) for event in desk.escalations(incident)] == [
        [("channel:#alerts-data", "#alerts-data")],
        [("rotation:data-primary", "farid")],  # week of Tue 24 Feb, New York
    ]


def test_an_override_decides_who_is_paged(desk: Desk) -> None:
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)  # chloe's week, ben covers (override)
    incident = desk.open(christmas)
    desk.tick(christmas)
    assert paged(desk.escalations(incident)[0])[0] == ("rotation:platform-primary", "ben")


def test_a_restart_between_two_steps_fires_the_second_once_on_time(desk: Desk, matrix: Matrix) -> None:
    incident = desk.open(T)
    assert desk.tick(T) == 1
    desk.close()  # the process stops: nothing survives but the database

    restarted = Desk(desk.url, matrix, worker="after-restart")
    try:
        assert restarted.tick(T + 10 * MIN - timedelta(seconds=1)) == 0
        assert restarted.tick(T + 10 * MIN) == 1
        assert restarted.tick(T + 11 * MIN) == 0
        fired = restarted.steps(incident, STEP_FIRED)
        assert [(s.step, s.fired_at, s.fired_by) for s in fired] == [
            (0, T, "test-engine"),
            (1, T + 10 * MIN, "after-restart"),
        ]
        assert len(restarted.escalations(incident)) == 2
    finally:
        restarted.close()


def test_two_engines_on_one_store_fire_each_step_once(desk: Desk, matrix: Matrix) -> None:
    incidents = [desk.open(T, group=f"g{n}") for n in range(20)]
    other = EscalationEngine(desk.sessions, matrix, clock=desk.clock, worker="other", batch=3)
    desk.now = T + 25 * MIN
    assert desk.engine.tick() + other.tick() == 20 * 3
    assert desk.engine.tick() + other.tick() == 0
    step_ids = [event.data["step_id"] for event in desk.escalations()]
    assert len(step_ids) == len(set(step_ids)) == 60
    assert len(desk.outbox()) == 20 * 5 and all(desk.escalations(i) for i in incidents)
