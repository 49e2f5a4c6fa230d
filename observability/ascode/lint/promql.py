"""Metric names a PromQL expression (or a Grafana query) selects, and the names a catalog family covers."""

from __future__ import annotations

import re

import promql_parser

from observability.catalog import Metric, MetricKind

# Grafana substitutes these before Prometheus sees the query; any duration or number parses the same.
_GRAFANA_RANGE_VARIABLE = re.compile(r"\[\s*\$\{?\w+\}?\s*(?P<step>:\s*(\$\{?\w+\}?|\w*)\s*)?\]")
_GRAFANA_BUILTIN = re.compile(r"\$\{?__\w+\}?")
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?P<selector>.+),\s*[\w.]+\s*\)\s*$", re.DOTALL)
_QUERY_RESULT = re.compile(r"^\s*query_result\((?P<expr>.+)\)\s*$", re.DOTALL)


class PromQLError(ValueError):
    """An expression that does not parse as PromQL."""


def selected_metrics(expr: str) -> set[str]:
    """Every metric name the expression selects (by name or by an exact `__name__` matcher)."""
    try:
        tree = promql_parser.parse(expr)
    except ValueError as exc:
        raise PromQLError(f"does not parse as PromQL ({exc}): {expr}") from exc
    found: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                found.add(node.name)
            for matcher in node.matchers.matchers:
                if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
                    found.add(matcher.value)

    promql_parser.walk(tree, visit)
    return found


def grafana_query_as_promql(query: str) -> str | None:
    """The PromQL inside a Grafana panel or variable query, variables replaced; None if it has none."""
    if match := _LABEL_VALUES.match(query):
        query = match["selector"]
    elif match := _QUERY_RESULT.match(query):
        query = match["expr"]
    elif query.strip().startswith("label_values(") or query.strip().startswith("label_names("):
        return None  # label_values(label): no metric selected
    query = _GRAFANA_RANGE_VARIABLE.sub(lambda match: "[5m:1m]" if match["step"] else "[5m]", query)
    return _GRAFANA_BUILTIN.sub("300", query)


def family_series_names(metric: Metric) -> set[str]:
    """The series names a catalog metric family is exposed as (prometheus-client conventions)."""
    if metric.kind == MetricKind.HISTOGRAM:
        return {f"{metric.name}_{suffix}" for suffix in ("bucket", "sum", "count", "created")}
    if metric.kind == MetricKind.COUNTER:
        return {metric.name, metric.name.removesuffix("_total") + "_created"}
    return {metric.name}
