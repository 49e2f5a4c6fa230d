"""Deploy verification: thresholds, windows, table, and the CLI's parsing of times and durations."""

from __future__ import annotations

import argparse

import pytest

from observability.cli.verify_deploy import parse_duration, parse_time
from observability.deploy.signals import ERROR_RATIO, JOB_FAILURE_RATIO, P95_LATENCY, Thresholds
from observability.deploy.verify import judge, render_table, verify

DEPLOY = 1_800_000_000.0


class FakePrometheus:
    """Answers each signal with a value before and after the deploy; records what was asked."""

    def __init__(self, values: dict[str, tuple[float | None, float | None]]) -> None:
        self.values = values
        self.asked: list[tuple[str, float]] = []

    def __call__(self, expr: str, at: float) -> float | None:
        self.asked.append((expr, at))
        for name_fragment, (before, after) in self.values.items():
            if name_fragment in expr:
                return before if at <= DEPLOY else after
        return None


def test_error_ratio_rise_beyond_threshold_fails_and_small_rise_passes() -> None:
    thresholds = Thresholds()
    assert judge(ERROR_RATIO, 0.001, 0.30, thresholds).failed
    assert not judge(ERROR_RATIO, 0.001, 0.015, thresholds).failed
    assert judge(JOB_FAILURE_RATIO, None, 0.5, thresholds).failed  # no baseline counts as zero


def test_latency_must_grow_by_factor_and_slack_to_fail() -> None:
    thresholds = Thresholds(max_latency_factor=1.5, latency_slack_seconds=0.05)
    assert not judge(P95_LATENCY, 0.004, 0.012, thresholds).failed  # 3x but only 8 ms
    assert judge(P95_LATENCY, 0.2, 0.5, thresholds).failed
    assert not judge(P95_LATENCY, 0.2, 0.25, thresholds).failed
    assert judge(P95_LATENCY, None, 0.5, thresholds).verdict == "no data"


def test_verify_queries_the_window_before_and_after_the_deploy() -> None:
    prometheus = FakePrometheus(
        {
            "http_requests_total": (0.0, 0.25),
            "http_request_duration": (0.01, 0.011),
            "worker_jobs": (0.0, 0.0),
        }
    )
    result = verify(prometheus, deploy_time=DEPLOY, window_seconds=60, thresholds=Thresholds())

    assert not result.passed
    assert [c.verdict for c in result.comparisons] == ["FAIL", "ok", "ok"]
    assert {at for _, at in prometheus.asked} == {DEPLOY, DEPLOY + 60}
    assert all("[60s]" in expr for expr, _ in prometheus.asked)
    table = render_table(result)
    assert "25.00 %" in table and "FAIL" in table and "11.0 ms" in table


def test_times_and_durations_parse_or_explain() -> None:
    assert parse_duration("5m") == 300
    assert parse_time("2026-11-28T22:00:00Z") == parse_time("1795903200")
    for bad in ("5 minutes", "0s"):
        with pytest.raises(argparse.ArgumentTypeError, match="duration"):
            parse_duration(bad)
    with pytest.raises(argparse.ArgumentTypeError, match="timezone"):
        parse_time("2026-11-28T22:00:00")
