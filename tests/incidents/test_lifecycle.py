"""The incident lifecycle as pure functions: open, update, auto-resolve, repeat, reopen, new incident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from observability.incidents import lifecycle
from observability.incidents.errors import InvalidTransition
from observability.incidents.payload import AlertmanagerAlert
from tests.ingest.payloads import T0, alert, resolved

WINDOW = timedelta(minutes=30)
NOW = T0 + timedelta(minutes=1)


def parsed(*alerts: dict[str, object]) -> list[AlertmanagerAlert]:
    return [AlertmanagerAlert.model_validate(a) for a in alerts]


def snapshot(status: str, firing: int, known: dict[str, str], resolved_at=None) -> lifecycle.IncidentSnapshot:
    return lifecycle.IncidentSnapshot(
        status=status,
        resolved_at=resolved_at,
        firing_alerts=firing,
        known={(fp, T0): s for fp, s in known.items()},
    )


def kinds(plan: lifecycle.IngestPlan) -> list[str]:
    return [event.kind for event in plan.events]


def test_first_firing_notification_opens_a_triggered_incident() -> None:
    plan = lifecycle.plan_notification(None, parsed(alert("a"), alert("b")), now=NOW, reopen_window=WINDOW)
    assert plan.action == lifecycle.OPEN
    assert plan.status == lifecycle.TRIGGERED
    assert plan.firing_alerts == 2
    assert [a.fingerprint for a in plan.new_alerts] == ["a", "b"]
    assert kinds(plan) == [lifecycle.OPENED, lifecycle.ALERT_FIRED]
    assert plan.events[1].data["alerts"][1]["fingerprint"] == "b"


def test_a_group_whose_first_notification_is_all_resolved_opens_nothing() -> None:
    plan = lifecycle.plan_notification(
        None, parsed(resolved(alert("a"), T0 + timedelta(minutes=1))), now=NOW, reopen_window=WINDOW
    )
    assert plan.action == lifecycle.IGNORE


def test_acknowledged_incident_resolves_when_its_last_firing_alert_resolves() -> None:
    current = snapshot(lifecycle.ACKNOWLEDGED, 1, {"a": "resolved", "b": "firing"})
    plan = lifecycle.plan_notification(
        current, parsed(resolved(alert("a"), NOW), resolved(alert("b"), NOW)), now=NOW, reopen_window=WINDOW
    )
    assert plan.action == lifecycle.UPDATE
    assert [a.fingerprint for a in plan.changed_alerts] == ["b"]
    assert (plan.firing_alerts, plan.status) == (0, lifecycle.INCIDENT_RESOLVED)


def test_resolving_every_firing_child_resolves_the_incident() -> None:
    current = snapshot(lifecycle.TRIGGERED, 1, {"a": "firing"})
    plan = lifecycle.plan_notification(
        current, parsed(resolved(alert("a"), NOW)), now=NOW, reopen_window=WINDOW
    )
    assert plan.firing_alerts == 0
    assert plan.status == lifecycle.INCIDENT_RESOLVED
    assert kinds(plan) == [lifecycle.ALERT_RESOLVED, lifecycle.RESOLVED_EVENT]


def test_one_of_two_alerts_resolving_keeps_the_incident_open() -> None:
    current = snapshot(lifecycle.TRIGGERED, 2, {"a": "firing", "b": "firing"})
    plan = lifecycle.plan_notification(
        current, parsed(resolved(alert("a"), NOW), alert("b")), now=NOW, reopen_window=WINDOW
    )
    assert (plan.firing_alerts, plan.status) == (1, lifecycle.TRIGGERED)
    assert kinds(plan) == [lifecycle.ALERT_RESOLVED]


def test_repeat_notification_with_the_same_statuses_is_not_an_event() -> None:
    current = snapshot(lifecycle.TRIGGERED, 1, {"a": "firing"})
    later = alert("a", ends_at=NOW + timedelta(minutes=5))  # Alertmanager moves a firing endsAt
    plan = lifecycle.plan_notification(current, parsed(later), now=NOW, reopen_window=WINDOW)
    assert plan.action == lifecycle.REPEAT
    assert plan.events == ()


def test_firing_again_within_the_window_reopens_and_marks_flapping() -> None:
    current = snapshot(
        lifecycle.INCIDENT_RESOLVED, 0, {"a": "resolved"}, resolved_at=NOW - timedelta(minutes=10)
    )
    again = alert("a", starts_at=NOW)
    plan = lifecycle.plan_notification(current, parsed(again), now=NOW, reopen_window=WINDOW)
    assert plan.action == lifecycle.REOPEN
    assert plan.status == lifecycle.TRIGGERED
    assert plan.firing_alerts == 1
    assert kinds(plan) == [lifecycle.REOPENED, lifecycle.ALERT_FIRED]
    assert "600s after it resolved" in plan.events[0].message


def test_firing_again_after_the_window_opens_a_new_incident() -> None:
    current = snapshot(
        lifecycle.INCIDENT_RESOLVED, 0, {"a": "resolved"}, resolved_at=NOW - timedelta(minutes=31)
    )
    plan = lifecycle.plan_notification(
        current, parsed(alert("a", starts_at=NOW)), now=NOW, reopen_window=WINDOW
    )
    assert plan.action == lifecycle.OPEN


def test_late_resolve_after_the_window_updates_the_old_incident() -> None:
    current = snapshot(lifecycle.INCIDENT_RESOLVED, 1, {"a": "firing"}, resolved_at=NOW - timedelta(hours=2))
    plan = lifecycle.plan_notification(
        current, parsed(resolved(alert("a"), NOW)), now=NOW, reopen_window=WINDOW
    )
    assert plan.action == lifecycle.UPDATE
    assert plan.status == lifecycle.INCIDENT_RESOLVED


def test_manually_resolved_incident_is_not_reopened_by_a_repeat() -> None:
    current = snapshot(
        lifecycle.INCIDENT_RESOLVED, 1, {"a": "firing"}, resolved_at=NOW - timedelta(minutes=1)
    )
    plan = lifecycle.plan_notification(current, parsed(alert("a")), now=NOW, reopen_window=WINDOW)
    assert plan.action == lifecycle.REPEAT


def test_the_same_occurrence_twice_in_one_notification_counts_once() -> None:
    plan = lifecycle.plan_notification(None, parsed(alert("a"), alert("a")), now=NOW, reopen_window=WINDOW)
    assert plan.firing_alerts == 1
    assert len(plan.new_alerts) == 1


def test_a_new_start_of_a_known_fingerprint_is_a_new_child() -> None:
    current = snapshot(lifecycle.TRIGGERED, 1, {"a": "firing"})
    plan = lifecycle.plan_notification(
        current, parsed(alert("a", starts_at=T0 + timedelta(minutes=5))), now=NOW, reopen_window=WINDOW
    )
    assert [a.startsAt for a in plan.new_alerts] == [T0 + timedelta(minutes=5)]
    assert plan.firing_alerts == 2


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (lifecycle.TRIGGERED, "acknowledge", lifecycle.ACKNOWLEDGED),
        (lifecycle.TRIGGERED, "resolve", lifecycle.INCIDENT_RESOLVED),
        (lifecycle.ACKNOWLEDGED, "resolve", lifecycle.INCIDENT_RESOLVED),
    ],
)
def test_people_move_incidents_forward(status: str, action: str, expected: str) -> None:
    assert lifecycle.next_status(7, status, action) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (lifecycle.ACKNOWLEDGED, "acknowledge"),
        (lifecycle.INCIDENT_RESOLVED, "acknowledge"),
        (lifecycle.INCIDENT_RESOLVED, "resolve"),
    ],
)
def test_invalid_transitions_are_refused_with_the_state(status: str, action: str) -> None:
    with pytest.raises(InvalidTransition, match=f"incident 7 is {status}: cannot {action} it"):
        lifecycle.next_status(7, status, action)
