"""Metric names out of PromQL and Grafana queries, and the series a catalog family covers."""

from __future__ import annotations

import pytest

from observability.ascode.lint.promql import (
    PromQLError,
    family_series_names,
    grafana_query_as_promql,
    selected_metrics,
)
from observability.catalog import Metric, MetricKind


def test_selected_metrics_walks_functions_aggregations_and_binary_operators() -> None:
    expr = (
        'sum by (route) (rate(http_requests_total{job="api",status=~"5.."}[5m]))'
        " / on(route) group_left sum by (route) (rate(http_request_duration_seconds_count[5m]))"
        ' or absent(up{job="api"}) * on() vector(1) > time() - worker_heartbeat_timestamp_seconds'
    )
    assert selected_metrics(expr) == {
        "http_requests_total",
        "http_request_duration_seconds_count",
        "up",
        "worker_heartbeat_timestamp_seconds",
    }


def test_selected_metrics_reads_an_exact_name_matcher_and_subqueries() -> None:
    expr = 'max_over_time({__name__="pg_up"}[1h:1m]) + deriv(worker_queue_depth[10m] offset 5m)'
    assert selected_metrics(expr) == {"pg_up", "worker_queue_depth"}


def test_selected_metrics_ignores_a_name_regex_it_cannot_resolve() -> None:
    assert selected_metrics('count({__name__=~"node_.*"})') == set()


def test_unparseable_expression_raises_a_clear_error() -> None:
    with pytest.raises(PromQLError, match="does not parse as PromQL"):
        selected_metrics("sum(rate(http_requests_total[5m])")


@pytest.mark.parametrize(
    ("query", "metrics"),
    [
        ("rate(http_requests_total[$__rate_interval])", {"http_requests_total"}),
        ("increase(obs_escalations_total[${__range}])", {"obs_escalations_total"}),
        ("max_over_time(up[$__range:$__interval])", {"up"}),
        ('sum(up{job=~"$job", instance=~"$instance"}) / $__range_s', {"up"}),
        ('label_values(up{job="api"}, instance)', {"up"}),
        ("query_result(topk(5, worker_queue_depth))", {"worker_queue_depth"}),
    ],
)
def test_grafana_variables_are_replaced_before_parsing(query: str, metrics: set[str]) -> None:
    promql = grafana_query_as_promql(query)
    assert promql is not None
    assert selected_metrics(promql) == metrics


def test_label_values_without_a_metric_selects_nothing() -> None:
    assert grafana_query_as_promql("label_values(job)") is None


def test_histogram_family_is_its_bucket_sum_count_and_created_series() -> None:
    metric = Metric("x_duration_seconds", MetricKind.HISTOGRAM, "help")
    assert family_series_names(metric) == {
        "x_duration_seconds_bucket",
        "x_duration_seconds_sum",
        "x_duration_seconds_count",
        "x_duration_seconds_created",
    }


def test_counter_family_includes_its_created_series_and_a_gauge_is_itself() -> None:
    assert family_series_names(Metric("x_total", MetricKind.COUNTER, "help")) == {"x_total", "x_created"}
    assert family_series_names(Metric("x_bytes", MetricKind.GAUGE, "help")) == {"x_bytes"}
