"""Checks that rules and panels only select metrics the catalog, the exporters or a recording rule declare."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from observability.catalog import KNOWN_EXPORTER_METRICS, all_metrics

from .content import DashboardDocument, Rule
from .problem import Problem
from .promql import PromQLError, family_series_names, grafana_query_as_promql, selected_metrics


def declared_series_names(recorded: Iterable[str]) -> set[str]:
    """Series names anything may select: catalog families, known exporter metrics, recording rules."""
    declared = set(KNOWN_EXPORTER_METRICS) | set(recorded)
    for metric in all_metrics().values():
        declared |= family_series_names(metric)
    return declared


def _undeclared(file: str, item: str, expr: str, declared: set[str]) -> list[Problem]:
    try:
        used = selected_metrics(expr)
    except PromQLError as exc:
        return [Problem(file, item, str(exc))]
    problems = []
    for name in sorted(used - declared):
        close = difflib.get_close_matches(name, declared, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            Problem(
                file,
                item,
                f"uses metric {name!r}, which neither the catalog, the known exporter metrics "
                f"nor a recording rule declares{hint}",
            )
        )
    return problems


def check_rule_metrics(rules: Iterable[Rule], declared: set[str]) -> list[Problem]:
    """Every rule expression selects only declared series."""
    problems = []
    for rule in rules:
        problems += _undeclared(rule.file, rule.name, rule.expr, declared)
    return problems


def check_dashboard_metrics(dashboards: Iterable[DashboardDocument], declared: set[str]) -> list[Problem]:
    """Every panel target and query variable selects only declared series."""
    problems = []
    for board in dashboards:
        for panel in board.panels:
            for query in panel.queries:
                if (expr := grafana_query_as_promql(query)) is not None:
                    problems += _undeclared(board.file, panel.label, expr, declared)
        for variable in board.variables:
            if variable.query and (expr := grafana_query_as_promql(variable.query)) is not None:
                problems += _undeclared(board.file, f"variable {variable.name!r}", expr, declared)
    return problems
