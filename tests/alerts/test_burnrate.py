"""The SLO burn-rate maths: thresholds, windows, recording rules and the alerts that read them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from observability.ascode.rules import burnrate
from observability.ascode.rules.model import AlertRule, RecordingRule
from observability.catalog import SLO, SLOS, BurnRateWindow, names
from observability.catalog.platform import API_AVAILABILITY, JOB_SUCCESS


@pytest.mark.parametrize(
    ("factor", "objective", "threshold"),
    [
        (14.4, 0.999, "0.0144"),
        (6.0, 0.999, "0.006"),
        (3.0, 0.999, "0.003"),
        (1.0, 0.999, "0.001"),
        (14.4, 0.99, "0.144"),
        (6.0, 0.99, "0.06"),
        (3.0, 0.99, "0.03"),
        (1.0, 0.99, "0.01"),
    ],
)
def test_burn_threshold_is_factor_times_error_budget_exactly(
    factor: float, objective: float, threshold: str
) -> None:
    assert burnrate.burn_threshold(factor, objective) == Decimal(threshold)


def test_error_budget_is_exact_where_floats_are_not() -> None:
    assert 1 - 0.999 != 0.001
    assert burnrate.error_budget(0.999) == Decimal("0.001")


@pytest.mark.parametrize("objective", [0.0, 1.0, 1.5, -0.1])
def test_an_objective_outside_zero_to_one_is_refused(objective: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        burnrate.error_budget(objective)


def test_sli_windows_are_every_window_the_alerts_read_shortest_first() -> None:
    assert burnrate.sli_windows() == ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def test_window_is_substituted_as_text_leaving_promql_braces_alone() -> None:
    expression = 'sum(rate(http_requests_total{job="api",status=~"5.."}[{window}]))'
    assert (
        burnrate.with_window(expression, "30m")
        == 'sum(rate(http_requests_total{job="api",status=~"5.."}[30m]))'
    )


def test_an_slo_expression_without_the_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match=r"no \{window\} placeholder"):
        burnrate.with_window("sum(rate(x[5m]))", "1h")


def test_budget_exhaustion_time_at_each_burn_rate_over_30_days() -> None:
    spent_in = [burnrate.budget_exhausted_after(API_AVAILABILITY, factor) for factor in (14.4, 6.0, 3.0, 1.0)]
    assert spent_in == ["50h", "5d", "10d", "30d"]


@pytest.mark.parametrize(
    ("slo", "name"),
    [
        (SLOS[0], "PlatformApiAvailabilityErrorBudgetBurn"),
        (SLOS[1], "PlatformApiLatencyErrorBudgetBurn"),
        (SLOS[2], "PlatformWorkerJobSuccessErrorBudgetBurn"),
        (SLOS[3], "PlatformWorkerJobFreshnessErrorBudgetBurn"),
    ],
)
def test_alert_name_is_service_prefix_and_slo_without_repeating_the_service(slo: SLO, name: str) -> None:
    assert burnrate.alert_name(slo) == name


def test_sli_recordings_cover_every_window_with_the_slo_label() -> None:
    rules = burnrate.sli_rules(API_AVAILABILITY)
    records = [rule.record for rule in rules]
    assert records == [
        "slo:sli_error:ratio_rate5m",
        "slo:sli_error:ratio_rate30m",
        "slo:sli_error:ratio_rate1h",
        "slo:sli_error:ratio_rate2h",
        "slo:sli_error:ratio_rate6h",
        "slo:sli_error:ratio_rate1d",
        "slo:sli_error:ratio_rate3d",
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:sli_error:ratio_rate30d",
        "slo:error_budget_remaining:ratio",
    ]
    assert all(rule.labels == {names.SLO: "api-availability"} for rule in rules)
    one_hour = rules[2]
    assert one_hour.expr == (
        '((sum(rate(http_requests_total{job="api",status=~"5.."}[1h]))) or vector(0))\n'
        "/\n"
        '(sum(rate(http_requests_total{job="api"}[1h])))'
    )
    assert [rule.expr for rule in rules[7:9]] == ["vector(0.999)", "vector(0.001)"]


def test_each_window_pair_alerts_when_both_windows_exceed_the_threshold() -> None:
    alerts = burnrate.burn_rate_alerts(JOB_SUCCESS)
    assert [(a.labels["long_window"], a.labels["short_window"], a.severity, a.for_) for a in alerts] == [
        ("1h", "5m", "critical", "2m"),
        ("6h", "30m", "critical", "15m"),
        ("1d", "2h", "warning", "1h"),
        ("3d", "6h", "warning", "3h"),
    ]
    assert alerts[0].expr == (
        'slo:sli_error:ratio_rate1h{slo="job-success"} > 0.144\n'
        "and\n"
        'slo:sli_error:ratio_rate5m{slo="job-success"} > 0.144'
    )
    assert {a.service.name for a in alerts} == {"worker"}
    assert {a.runbook for a in alerts} == {"slo-job-success"}
    assert {a.dashboard_uid for a in alerts} == {"obs-platform-overview"}


def test_custom_windows_change_thresholds_and_recorded_windows() -> None:
    windows = (BurnRateWindow(names.CRITICAL, "2h", "10m", 10.0, "5m", "custom"),)
    assert burnrate.sli_windows(windows) == ("10m", "2h")
    (alert,) = burnrate.burn_rate_alerts(API_AVAILABILITY, windows)
    assert "ratio_rate2h" in alert.expr and "ratio_rate10m" in alert.expr and "> 0.01\n" in alert.expr


def test_each_slo_becomes_one_group_recordings_before_alerts() -> None:
    groups = burnrate.slo_groups()
    assert [group.name for group in groups] == [f"slo-{slo.name}" for slo in SLOS]
    for group in groups:
        kinds = [type(rule) for rule in group.rules]
        assert kinds == [RecordingRule] * 11 + [AlertRule] * 4
