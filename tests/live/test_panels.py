"""After traffic (and faults), every query of every generated dashboard panel returns data."""

from __future__ import annotations

import pytest

from demo.inject import inject
from tests.conftest import REPO_ROOT
from tests.live.conftest import LiveStack, acknowledge_an_incident
from tests.live.dashboard_queries import PanelQuery, panel_queries
from tests.live.prometheus import wait_for

pytestmark = pytest.mark.e2e

# The one list of panels that cannot have data on this single-node demo, with the reason.
NOT_APPLICABLE = {
    "postgres/WAL not yet replayed (primary)": "no standby replicates from the demo's PostgreSQL, so "
    "pg_stat_replication has no rows",
    "postgres/pgvector index size": "Debian ships no pgvector; the demo stores embeddings as a float "
    "array and the exporter query for vector indexes is only added when the extension exists",
    "incident-service/Notification deliveries by outcome": "the live stack runs no Slack (real or "
    "fake), so the outbox never attempts a delivery",
    "incident-service/Notification failure ratio": "same: no delivery attempts without a Slack",
}
MAX_NOT_APPLICABLE_SHARE = 0.10
# Faults some panels need to have ever happened (failures, retries, 5xx), run briefly if the fault
# tests did not run first in this session.
FAULTS_FOR_DATA = ("dependency-errors", "api-errors")
FAILURE_SERIES = (
    'worker_jobs_processed_total{outcome="failure"}',
    'http_requests_total{job="api",status=~"5.."}',
    'dependency_requests_total{outcome!="success"}',
)


def test_every_panel_query_parses_and_returns_series(
    live: LiveStack, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = panel_queries(REPO_ROOT / "dashboards" / "generated")
    assert queries, "no dashboards in dashboards/generated (run `make dashboards`)"
    _ensure_failures_happened(live)
    acknowledge_an_incident(live)  # gives the MTTA panels their data
    panels = {query.panel_key for query in queries}
    unknown = set(NOT_APPLICABLE) - panels
    assert not unknown, f"N/A list names panels that do not exist: {sorted(unknown)}"

    problems = []
    for query in queries:
        if query.panel_key in NOT_APPLICABLE:
            continue
        answer = live.prometheus.query(query.promql)
        if answer["status"] != "success":
            problems.append(
                f"{query.panel_key} [{query.ref_id}] does not run: {answer.get('error')}\n  {query.promql}"
            )
        elif not answer["data"]["result"]:
            problems.append(f"{query.panel_key} [{query.ref_id}] returns no series\n  {query.promql}")

    with capsys.disabled():  # shown in every run, not only when the test fails
        print(
            f"\n{len(queries)} queries in {len(panels)} panels; not applicable here ({len(NOT_APPLICABLE)}):"
        )
        for panel, reason in sorted(NOT_APPLICABLE.items()):
            print(f"  N/A {panel}: {reason}")
    assert not problems, "\n".join(problems)
    assert len(NOT_APPLICABLE) < MAX_NOT_APPLICABLE_SHARE * len(panels)


def _ensure_failures_happened(live: LiveStack) -> None:
    missing = [kind for kind in FAULTS_FOR_DATA if kind not in live.faults_exercised]
    if not missing:
        return
    try:
        for kind in missing:
            inject(live.running, kind)
        wait_for(
            lambda: all(live.prometheus.series(f"rate({selector}[10s]) > 0") for selector in FAILURE_SERIES),
            timeout=30,
        )
    finally:
        for kind in missing:
            live.heal(kind)
    live.faults_exercised.update(missing)


def test_substitution_leaves_no_template_variable() -> None:
    queries: list[PanelQuery] = panel_queries(REPO_ROOT / "dashboards" / "generated")
    assert all("$" not in query.promql for query in queries)
