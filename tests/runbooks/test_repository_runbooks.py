"""The committed runbooks: one per alert family in the plan, well formed, and true to the catalog."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import promql_parser
import pytest
import yaml

from observability import catalog
from observability.catalog import MetricKind
from observability.runbooks import INDEX_FILE, SECTIONS, Runbook, load_runbooks
from tests.support import binary

RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
# The alert plan's runbook slugs (besides one per SLO, which the catalog names).
PLANNED_SLUGS = {
    "api-down",
    "api-errors",
    "api-latency",
    "worker-down",
    "job-failures",
    "queue-backlog",
    "postgres-down",
    "postgres-connections",
    "postgres-locks",
    "postgres-replication",
    "postgres-cache",
    "node-down",
    "node-disk",
    "node-cpu",
    "node-memory",
    "dependency-errors",
    "dependency-latency",
    "incident-service",
    "watchdog",
}
RECORDING_RULE_PREFIX = "slo:"
_MARKDOWN_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")

ALL = load_runbooks(RUNBOOKS)


def known_series() -> set[str]:
    """Every series name the catalog lets a query select (histograms as their exposed series)."""
    names = set(catalog.KNOWN_EXPORTER_METRICS)
    for metric in catalog.all_metrics().values():
        if metric.kind == MetricKind.HISTOGRAM:
            names |= {f"{metric.name}_{suffix}" for suffix in ("bucket", "count", "sum")}
        else:
            names.add(metric.name)
    return names


def selectors(query: str) -> list[tuple[str, dict[str, str]]]:
    """(metric name, equality matchers) of every vector selector in one PromQL query."""
    found: list[tuple[str, dict[str, str]]] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            equal = {m.name: m.value for m in node.matchers.matchers if m.op == promql_parser.MatchOp.Equal}
            found.append((node.name or equal.get("__name__", ""), equal))

    promql_parser.walk(promql_parser.parse(query), visit)
    return found


def unknown_references(runbook: Runbook) -> list[str]:
    """Series, `job` and `slo` values in the runbook's PromQL that the catalog does not declare."""
    known, found = known_series(), []
    jobs = {svc.job for svc in catalog.SERVICES}
    slos = {slo.name for slo in catalog.SLOS}
    for query in runbook.code_blocks("promql"):
        for name, labels in selectors(query):
            if name not in known and not name.startswith(RECORDING_RULE_PREFIX):
                found.append(f"metric {name!r}")
            if "job" in labels and labels["job"] not in jobs:
                found.append(f"job {labels['job']!r}")
            if "slo" in labels and labels["slo"] not in slos:
                found.append(f"slo {labels['slo']!r}")
    return found


def test_there_is_one_runbook_per_planned_slug_and_per_slo() -> None:
    expected = PLANNED_SLUGS | {slo.runbook for slo in catalog.SLOS}
    assert set(ALL) == expected


@pytest.mark.parametrize("slug", sorted(ALL))
def test_runbook_meets_the_contract(slug: str) -> None:
    runbook = ALL[slug]
    assert runbook.problems() == []
    assert runbook.sections == list(SECTIONS)


@pytest.mark.parametrize("slug", sorted(ALL))
def test_runbook_dashboards_and_service_exist_in_the_catalog(slug: str) -> None:
    runbook = ALL[slug]
    uids = {board.uid for board in catalog.DASHBOARDS}
    assert runbook.dashboards and set(runbook.dashboards) <= uids
    assert runbook.team == catalog.service(runbook.service).team


@pytest.mark.parametrize("slug", sorted(ALL))
def test_runbook_promql_selects_only_series_the_catalog_knows(slug: str) -> None:
    runbook = ALL[slug]
    assert runbook.code_blocks("promql"), f"{runbook.source} has no PromQL in its diagnosis"
    assert unknown_references(runbook) == []


def test_a_misspelt_metric_job_or_slo_in_a_runbook_query_is_caught() -> None:
    body = (
        "## Diagnosis\n\n```promql\n"
        'sum(rate(http_request_total{job="api"}[5m])) / sum(up{job="apii"})'
        ' + slo:sli_error:ratio_rate5m{slo="api-availabilty"}\n```\n'
    )
    runbook = Runbook("typo", "runbooks/typo.md", body=body)
    assert unknown_references(runbook) == [
        "metric 'http_request_total'",
        "job 'apii'",
        "slo 'api-availabilty'",
    ]


@pytest.mark.parametrize("slug", sorted(ALL))
def test_runbook_links_to_other_runbooks_resolve(slug: str) -> None:
    for target in _MARKDOWN_LINK.findall(ALL[slug].body):
        if "://" not in target and not target.startswith("#"):
            assert (RUNBOOKS / target.split("#")[0]).is_file(), f"{ALL[slug].source} links to {target}"


def test_index_links_every_runbook() -> None:
    index = (RUNBOOKS / INDEX_FILE).read_text(encoding="utf-8")
    linked = {target.removesuffix(".md") for target in _MARKDOWN_LINK.findall(index)}
    assert set(ALL) <= linked


@pytest.mark.parametrize("slo", catalog.SLOS, ids=lambda slo: slo.name)
def test_slo_runbook_explains_every_burn_rate_window_and_the_budget(slo: catalog.SLO) -> None:
    meaning = ALL[slo.runbook].body.split("## Impact")[0]
    for window in catalog.BURN_RATE_WINDOWS:
        assert f"{window.long} / {window.short}" in meaning
        assert f"{window.factor:g}\u00d7" in meaning  # the multiplication sign
    assert "slo:error_budget_remaining:ratio" in meaning
    assert f"{slo.objective * 100:g} %" in meaning


def generated_alerts() -> list[dict[str, dict[str, str]]]:
    """Every alerting rule in the committed alerts/generated/*.rules.yml."""
    rules = []
    for path in sorted((RUNBOOKS.parent / "alerts" / "generated").glob("*.rules.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules += [rule for rule in group["rules"] if "alert" in rule]
    return rules


def test_front_matter_agrees_with_the_generated_alerts_that_link_to_it() -> None:
    rank = {"none": 0, "info": 1, "warning": 2, "critical": 3}
    linking: dict[str, list[dict[str, dict[str, str]]]] = {}
    for rule in generated_alerts():
        linking.setdefault(rule["annotations"]["runbook_url"].rsplit("/", 1)[-1], []).append(rule)
    assert set(linking) == set(ALL), "every runbook is linked from an alert and every link has a runbook"
    for slug, rules in linking.items():
        runbook = ALL[slug]
        assert set(runbook.alerts) == {rule["alert"] for rule in rules}, runbook.source
        assert runbook.severity == max((rule["labels"]["severity"] for rule in rules), key=rank.__getitem__)
        assert {runbook.service} == {rule["labels"]["service"] for rule in rules}, runbook.source
        assert {runbook.team} == {rule["labels"]["team"] for rule in rules}, runbook.source
        uids = {rule["annotations"]["dashboard_url"].rsplit("/", 1)[-1] for rule in rules}
        assert uids <= set(runbook.dashboards), runbook.source


def test_every_runbook_query_parses_with_the_real_prometheus(tmp_path: Path) -> None:
    """promtool parses each query as a recording rule: Prometheus' own parser, not a port of it."""
    promtool = binary("promtool")
    rules = [
        {"record": f"runbook:query:{slug.replace('-', '_')}_{i}", "expr": query}
        for slug, runbook in sorted(ALL.items())
        for i, query in enumerate(runbook.code_blocks("promql"))
    ]
    path = tmp_path / "runbook-queries.rules.yml"
    groups = {"groups": [{"name": "runbook-queries", "rules": rules}]}
    path.write_text(yaml.safe_dump(groups), encoding="utf-8")
    command = [promtool, "check", "rules", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
