"""`obs oncall`, `obs escalation simulate` and the pure plan maths they print."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observability.cli import main
from observability.escalation.durations import format_duration, parse_duration
from observability.escalation.matrix import Matrix
from observability.escalation.plan import escalation_plan, rearmed_plan, simulate

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds", "canonical"),
    [
        ("90s", 90, "1m30s"),
        ("10m", 600, "10m"),
        ("1h30m", 5400, "1h30m"),
        ("7d", 604800, "7d"),
        ("-5m", -300, "-5m"),
    ],
)
def test_durations_parse_and_print(text: str, seconds: int, canonical: str) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert format_duration(parse_duration(text)) == canonical


@pytest.mark.parametrize("text", ["", "10", "5 minutes", "m", "1.5h"])
def test_bad_durations_are_named(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_plan_lists_every_step_of_every_cycle_in_order(matrix: Matrix) -> None:
    policy = matrix.policy_for({"service": "postgres", "severity": "critical"})
    plan = escalation_plan(policy, T)
    offsets = [int((step.due_at - T).total_seconds() // 60) for step in plan]
    assert offsets == [0, 5, 15, 30, 35, 45, 60, 65, 75]
    assert [(s.cycle, s.step) for s in plan][:4] == [(0, 0), (0, 1), (0, 2), (1, 0)]


def test_an_ack_without_ack_timeout_ends_escalation_for_good(matrix: Matrix) -> None:
    warning = matrix.policy_for({"service": "api", "severity": "warning"})
    assert warning.ack_timeout is None and rearmed_plan(warning, T, round=1) == []
    critical = matrix.policy_for({"service": "api", "severity": "critical"})
    assert rearmed_plan(critical, T, round=1)[0].due_at == T + timedelta(minutes=30)


def test_simulation_cancels_what_was_due_from_the_ack_on(matrix: Matrix) -> None:
    result = simulate(matrix, {"service": "api", "severity": "critical"}, T, ack_after=timedelta(minutes=10))
    fired = [(s.step.round, s.step.step) for s in result.fired]
    assert fired[:2] == [(0, 0), (1, 0)]  # the 10m step was due at the ack: cancelled, not fired
    assert len(result.cancelled) == 8


def test_first_match_wins_and_the_team_comes_from_the_catalog(matrix: Matrix) -> None:
    assert matrix.policy_for({"service": "worker", "severity": "warning"}).id == "platform-warning"
    assert matrix.policy_for({"service": "worker", "severity": "warning", "team": "sre"}).id == "sre-warning"
    assert matrix.policy_for({"service": "unknown-thing", "severity": "critical"}).id == "default"
    assert matrix.policy_for({}).id == "default"


def test_oncall_command_prints_every_rotation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["oncall", "--at", "2026-12-25T12:00", "--tz", "Europe/Berlin"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "on call at 2026-12-25 12:00 CET"
    primary = next(line for line in out if line.startswith("platform-primary"))
    assert "Ben Okafor (ben) (override)" in primary
    assert (
        "2026-12-24 09:00 CET" in primary and "2026-12-28 09:00 CET" in primary and primary.endswith("dmitri")
    )
    assert len(out) == 2 + 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oncall", "--at", "tomorrow"], "--at 'tomorrow': not an ISO 8601 time"),
        (["oncall", "--tz", "Mars/Base"], "--tz 'Mars/Base': unknown timezone"),
        (["escalation", "simulate", "--labels", "severity"], "--labels: 'severity' is not name=value"),
        (
            ["escalation", "simulate", "--labels", "service=api", "--ack-after", "soon"],
            "'soon' is not a duration",
        ),
    ],
)
def test_bad_command_line_input_is_named(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_simulate_prints_policy_pages_handoffs_and_the_ack(capsys: pytest.CaptureFixture[str]) -> None:
    at = "2026-03-02T08:55+01:00"
    assert main(["escalation", "simulate", "--labels", "severity=critical,service=api", "--at", at,
                 "--ack-after", "12m", "--tz", "Europe/Berlin"]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "labels service=api, severity=critical, team=platform -> policy platform-critical"
    )
    assert "+0s  2026-03-02 08:55 CET    step 1/3, cycle 1/3, round 0   page Dmitri Ivanov" in out[2]
    assert any("handoff platform-primary: dmitri -> anna" in line for line in out)
    assert any("+12m" in line and "acknowledged: 7 pending step(s) cancelled" in line for line in out)
    assert any("+42m" in line and "round 1" in line and "Anna Schmidt" in line for line in out)
