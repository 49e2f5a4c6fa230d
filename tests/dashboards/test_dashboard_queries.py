"""Every panel query is PromQL a live Prometheus accepts, over metrics the catalog declares."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from observability.ascode.dashboards.documents import all_values, expand, panel_queries, variables
from observability.ascode.dashboards.slo import burn_rate_windows
from observability.ascode.rules import render_rules
from observability.ascode.rules.burnrate import sli_record
from observability.catalog import KNOWN_EXPORTER_METRICS, SLOS, MetricKind, all_metrics, dashboard

LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+), (?P<label>\w+)\)$")


@pytest.fixture(scope="module")
def recorded(repo_root: Path) -> set[str]:
    """Series the generated recording rules produce (the rules generator, not a copy of its names)."""
    found = set()
    for text in render_rules(repo_root).values():
        for group in yaml.safe_load(text)["groups"]:
            found |= {rule["record"] for rule in group["rules"] if "record" in rule}
    return found


def declared_series(recorded: set[str]) -> set[str]:
    names = set(KNOWN_EXPORTER_METRICS) | recorded
    for metric in all_metrics().values():
        if metric.kind == MetricKind.HISTOGRAM:
            names |= {f"{metric.name}_{suffix}" for suffix in ("bucket", "sum", "count")}
        else:
            names.add(metric.name)
    return names


def selected_series(expr: str) -> set[str]:
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"selector without a metric name in {expr}"
            found.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def expanded_queries(boards: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    queries = []
    for board in boards.values():
        values = all_values(board)
        for query in panel_queries(board):
            queries.append(
                (f"{query.dashboard} / {query.panel} / {query.ref_id}", expand(query.expr, values))
            )
    return queries


def test_every_panel_query_parses_as_promql(boards: dict[str, dict[str, Any]]) -> None:
    queries = expanded_queries(boards)
    assert len(queries) > 100
    for where, expr in queries:
        try:
            promql_parser.parse(expr)
        except ValueError as exc:
            pytest.fail(f"{where}: {exc}\n{expr}")


def test_every_metric_a_panel_selects_is_declared(
    boards: dict[str, dict[str, Any]], recorded: set[str]
) -> None:
    declared = declared_series(recorded)
    for where, expr in expanded_queries(boards):
        undeclared = selected_series(expr) - declared
        assert not undeclared, f"{where} selects undeclared {sorted(undeclared)}"


def test_query_variables_list_label_values_of_declared_metrics(
    boards: dict[str, dict[str, Any]], recorded: set[str]
) -> None:
    declared = declared_series(recorded)
    for uid, board in boards.items():
        values = all_values(board)
        for name, variable in variables(board).items():
            if variable["type"] != "query":
                continue
            match = LABEL_VALUES.match(variable["query"])
            assert match and match["label"] == name, f"{uid} / ${name}: {variable['query']}"
            assert selected_series(expand(match["selector"], values)) <= declared, f"{uid} / ${name}"


def test_service_panels_filter_by_their_job_variable(boards: dict[str, dict[str, Any]]) -> None:
    for uid, board in boards.items():
        if "job" not in variables(board):
            continue
        for query in panel_queries(board):
            assert '$job"' in query.expr, f"{uid} / {query.panel} ignores the job variable"


def test_overview_charts_every_slo_with_every_burn_rate_window(boards: dict[str, dict[str, Any]]) -> None:
    overview = boards[dashboard("platform-overview").uid]
    exprs = [query.expr for query in panel_queries(overview)]
    for slo in SLOS:
        for window in burn_rate_windows():
            assert any(f'{sli_record(window)}{{slo="{slo.name}"}}' in expr for expr in exprs), (
                slo.name,
                window,
            )
        # compliance and budget over the SLO's whole window, straight from the raw series
        raw = slo.total.replace("{window}", f"{slo.window_days}d")
        assert sum(raw in expr for expr in exprs) >= 2, slo.name


def test_expanding_an_unknown_variable_names_it() -> None:
    with pytest.raises(KeyError, match=r"\$cluster"):
        expand('up{cluster=~"$cluster"}', {"job": ".*"})
