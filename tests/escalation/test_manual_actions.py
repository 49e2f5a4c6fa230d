"""People's escalation actions through the service functions every surface uses: escalate now and
change the severity, each compare-and-set with its timeline event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observability import incident_actions as service
from observability.escalation import hooks
from observability.incidents.errors import InvalidTransition
from observability.store.escalation_models import STEP_CANCELLED, STEP_FIRED, STEP_PENDING
from observability.store.models import TimelineEvent
from tests.escalation.conftest import Desk, paged

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # anna platform-primary, chloe secondary (rotations.yml)
MIN = timedelta(minutes=1)


def test_escalate_now_pages_the_next_step_at_once_and_keeps_the_rest_of_the_plan(desk: Desk) -> None:
    incident = desk.open(T)
    desk.tick(T)
    desk.escalate(incident, T + 2 * MIN, actor="anna")
    event = desk.escalations(incident)[-1]
    assert paged(event) == [("rotation:platform-secondary", "chloe")]
    assert (event.at, event.actor, event.data["step"]) == (T + 2 * MIN, "anna", 1)
    assert event.message.startswith("escalated by anna: paged Chloé Martin")
    assert event.data["escalated_by"] == "anna"
    # Step 2 is not paged a second time at its planned time; step 3 keeps its own.
    assert desk.tick(T + 10 * MIN) == 0
    assert desk.steps(incident, STEP_PENDING)[0].due_at == T + 20 * MIN
    assert len(desk.outbox(incident)) == 3


def test_escalating_an_acknowledged_incident_pages_the_re_armed_round_now_and_re_triggers_it(
    desk: Desk,
) -> None:
    incident = desk.open(T)
    desk.tick(T)
    desk.acknowledge(incident, T + 5 * MIN)
    desk.escalate(incident, T + 6 * MIN, actor="anna")
    event = desk.escalations(incident)[-1]
    assert (event.data["round"], event.data["step"], event.at) == (1, 0, T + 6 * MIN)
    assert desk.incident(incident).status == "triggered"


def test_escalate_now_with_nothing_pending_starts_a_new_round_from_its_first_step(desk: Desk) -> None:
    incident = desk.open(T)
    for minute in range(0, 121):
        desk.tick(T + minute * MIN)
    assert desk.steps(incident, STEP_PENDING) == []
    desk.escalate(incident, T + 3 * 60 * MIN, actor="lena")
    event = desk.escalations(incident)[-1]
    assert (event.data["round"], event.data["cycle"], event.data["step"]) == (1, 0, 0)
    # The new round goes on escalating from now until someone acknowledges.
    assert desk.steps(incident, STEP_PENDING)[0].due_at == T + 3 * 60 * MIN + 10 * MIN


def test_a_resolved_incident_cannot_be_escalated(desk: Desk) -> None:
    incident = desk.open(T)
    desk.resolve(incident, T + MIN)
    with pytest.raises(InvalidTransition, match="is resolved: cannot escalate it"):
        desk.escalate(incident, T + 2 * MIN)
    assert [step for step in desk.steps(incident) if step.status == STEP_FIRED] == []


def test_changing_the_severity_records_from_and_to_and_refuses_a_no_op_or_a_resolved_incident(
    desk: Desk,
) -> None:
    incident = desk.open(T, severity="warning")
    with desk.sessions.begin() as session:
        changed = service.change_severity(
            session, incident_id=incident, actor="anna", severity="critical", now=T + MIN, matrix=desk.matrix
        )
        assert changed.incident.severity == "critical"
    with desk.sessions() as session:
        event = session.query(TimelineEvent).filter_by(incident_id=incident, kind="severity_changed").one()
    assert (event.actor, event.message, event.data) == (
        "anna",
        "severity warning -> critical by anna; escalation re-planned under platform-critical",
        {"from": "warning", "to": "critical", "policy": "platform-critical"},
    )
    with desk.sessions.begin() as session, pytest.raises(InvalidTransition):
        service.change_severity(
            session, incident_id=incident, actor="anna", severity="critical", now=T, matrix=desk.matrix
        )
    with desk.sessions.begin() as session, pytest.raises(ValueError, match="unknown severity 'sev1'"):
        service.change_severity(
            session, incident_id=incident, actor="anna", severity="sev1", now=T, matrix=desk.matrix
        )
    desk.resolve(incident, T + 2 * MIN)
    with desk.sessions.begin() as session, pytest.raises(InvalidTransition):
        service.change_severity(
            session, incident_id=incident, actor="anna", severity="info", now=T, matrix=desk.matrix
        )
    assert desk.incident(incident).severity == "critical"


def change_severity(desk: Desk, incident: int, severity: str, at: datetime) -> service.SeverityChanged:
    with desk.sessions.begin() as session:
        return service.change_severity(
            session, incident_id=incident, actor="anna", severity=severity, now=at, matrix=desk.matrix
        )


def test_changing_the_severity_re_plans_the_pending_steps_by_the_new_policy_and_keeps_the_fired_ones(
    desk: Desk,
) -> None:
    incident = desk.open(T)  # critical api: platform-critical pages platform-primary at once, then more
    desk.tick(T)
    changed = change_severity(desk, incident, "info", T + 2 * MIN)
    assert changed.replanned == hooks.Replanned("informational", cancelled=8, planned=1)
    assert changed.audit_details() == {
        "escalation": {"policy": "informational", "cancelled": 8, "planned": 1}
    }
    fired = desk.steps(incident, STEP_FIRED)
    assert [(step.policy, step.step, step.due_at) for step in fired] == [("platform-critical", 0, T)]
    cancelled = desk.steps(incident, STEP_CANCELLED)
    assert {(step.policy, step.cancel_reason) for step in cancelled} == {
        ("platform-critical", "severity changed")
    }
    [pending] = desk.steps(incident, STEP_PENDING)
    assert (pending.policy, pending.round, pending.due_at) == ("informational", 1, T + 2 * MIN)
    desk.tick(T + 2 * MIN)
    assert paged(desk.escalations(incident)[-1]) == [("channel:#alerts-info", "#alerts-info")]
    # platform-secondary, the old plan's next step, is never paged.
    assert desk.tick(T + 10 * MIN) == 0 and desk.steps(incident, STEP_PENDING) == []


def test_raising_the_severity_pages_by_the_new_policy_from_now(desk: Desk) -> None:
    incident = desk.open(T, severity="info")
    desk.tick(T)
    change_severity(desk, incident, "critical", T + 30 * MIN)
    pending = desk.steps(incident, STEP_PENDING)
    assert (pending[0].policy, pending[0].due_at) == ("platform-critical", T + 30 * MIN)
    assert [step.due_at - T for step in pending[:3]] == [30 * MIN, 40 * MIN, 50 * MIN]
    desk.tick(T + 30 * MIN)
    assert paged(desk.escalations(incident)[-1])[0] == ("rotation:platform-primary", "anna")


def test_changing_the_severity_of_an_acknowledged_incident_re_arms_by_the_new_policy(desk: Desk) -> None:
    incident = desk.open(T)
    desk.tick(T)
    desk.acknowledge(incident, T + 5 * MIN)  # platform-critical re-arms 30 min after the ack
    change_severity(desk, incident, "info", T + 6 * MIN)
    assert desk.steps(incident, STEP_PENDING) == []  # informational has no ack timeout
    change_severity(desk, incident, "critical", T + 7 * MIN)
    pending = desk.steps(incident, STEP_PENDING)
    assert (pending[0].policy, pending[0].due_at) == ("platform-critical", T + 37 * MIN)
    assert desk.incident(incident).status == "acknowledged"


def test_escalate_now_after_a_re_plan_that_planned_nothing_pages_by_the_new_policy(desk: Desk) -> None:
    incident = desk.open(T)  # platform-critical
    desk.tick(T)
    desk.acknowledge(incident, T + 5 * MIN)
    change_severity(desk, incident, "info", T + 6 * MIN)  # informational: no ack timeout, no step
    assert desk.steps(incident, STEP_PENDING) == []
    desk.escalate(incident, T + 8 * MIN, actor="lena")
    # informational's first step, not platform-critical's round again
    assert paged(desk.escalations(incident)[-1]) == [("channel:#alerts-info", "#alerts-info")]


def test_a_severity_change_under_the_same_policy_keeps_the_plan(desk: Desk) -> None:
    incident = desk.open(T, service="mystery")  # the default policy, whatever the severity
    desk.tick(T)
    before = [(step.id, step.status, step.due_at) for step in desk.steps(incident)]
    assert change_severity(desk, incident, "warning", T + MIN).replanned is None
    assert [(step.id, step.status, step.due_at) for step in desk.steps(incident)] == before
