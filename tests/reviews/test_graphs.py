"""Graphs of what fired: a real Prometheus answers the alert's expression; the PNG carries its source."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus

import httpx
import pytest

from observability.reviews.draft import build_draft
from observability.reviews.graph_plot import read_source
from observability.reviews.graph_query import split_threshold
from observability.reviews.graphs import NOT_CONFIGURED, draw_graphs
from observability.reviews.prometheus import PrometheusHTTP
from observability.reviews.render import render_review, templates_folder
from tests.reviews.records import PEOPLE, AlertRecord, EpisodeRecord, IncidentRecord, fixed_timeline
from tests.support import binary, free_port

REPO = Path(__file__).resolve().parents[2]
EXPR = 'up{job="prometheus"} < 0.5'


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus scraping itself every second, with over ten seconds of data."""
    folder = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    config = folder / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs: [{{job_name: prometheus, static_configs: [{{targets: ['127.0.0.1:{port}']}}]}}]\n"
    )
    process = subprocess.Popen(
        [
            binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(
                    f"{url}/api/v1/query", params={"query": "count_over_time(up[1m])"}, timeout=1
                )
                result = answer.json()["data"]["result"]
                if result and float(result[0]["value"][1]) >= 12:  # more than one 9 s step
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("Prometheus did not collect samples in time")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _draft_around(now: datetime):  # type: ignore[no-untyped-def]
    """The fixed incident moved so that its window ends now and it fired 2 minutes ago."""
    start = now - timedelta(minutes=2)
    alert = AlertRecord(
        alertname="PrometheusSelfDown",
        starts_at=start,
        ends_at=now - timedelta(seconds=40),
        generator_url="http://prometheus/graph?g0.expr=" + quote_plus(EXPR) + "&g0.tab=1",
    )
    episode = EpisodeRecord(
        impact_started_at=start - timedelta(seconds=30),
        detected_at=start,
        first_paged_at=start + timedelta(seconds=5),
        first_acknowledged_at=start + timedelta(seconds=20),
        mitigated_at=now - timedelta(seconds=40),
        resolved_at=now - timedelta(seconds=40),
    )
    incident = replace(IncidentRecord(), opened_at=start, resolved_at=now - timedelta(seconds=40))
    return build_draft(incident, [episode], [alert], fixed_timeline(), people=PEOPLE, now=now)


def test_threshold_is_split_from_the_compared_expression() -> None:
    assert split_threshold(EXPR) == ('up{job="prometheus"}', 0.5, "<")
    assert split_threshold("0.05 < rate(x[5m])") == ("rate(x[5m])", 0.05, ">")
    assert split_threshold("absent(up)") == ("absent(up)", None, "")
    assert split_threshold("rate(x[5m]) > bool 1") == ("rate(x[5m]) > bool 1", None, "")


def test_graph_source_series_is_the_expression_over_the_window_from_a_real_prometheus(
    prometheus: str,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    draft = _draft_around(now)
    source = PrometheusHTTP(prometheus)
    try:
        [graph] = draw_graphs(draft, source, now=now)
        assert graph.png is not None, graph.reason
        data = read_source(graph.png)
        assert data is not None
        assert (data["expr"], data["query"], data["threshold"]) == (EXPR, 'up{job="prometheus"}', 0.5)
        assert data["start"] == (draft.window_start).timestamp()
        assert data["end"] == now.timestamp()  # the window's end is in the future: clamped to now
        again = source.query_range(
            data["query"],
            start=datetime.fromtimestamp(data["start"], UTC),
            end=datetime.fromtimestamp(data["end"], UTC),
            step_seconds=data["step"],
        )
        assert [s["values"] for s in data["series"]] == [[list(p) for p in s.points] for s in again]
        assert data["series"] and all(v == 1.0 for s in data["series"] for _, v in s["values"])
        assert data["marks"]["paged_at"] == draft.episodes[0].first_paged_at.timestamp()  # type: ignore[union-attr]
        assert data["marks"]["resolved_at"] == draft.impact_ended_at.timestamp()  # type: ignore[union-attr]
    finally:
        source.close()
    rendered = render_review(draft, [graph], templates_folder(REPO))
    assert f"]({graph.file})" in rendered.markdown
    assert 'src="data:image/png;base64,' in rendered.html


def test_without_prometheus_the_review_says_why_there_is_no_graph() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    draft = _draft_around(now)
    [unset] = draw_graphs(draft, None, now=now)
    assert (unset.png, unset.reason) == (None, NOT_CONFIGURED)
    closed = PrometheusHTTP(f"http://127.0.0.1:{free_port()}", timeout=1)
    try:
        [unreachable] = draw_graphs(draft, closed, now=now)
    finally:
        closed.close()
    assert unreachable.png is None and "not reachable" in unreachable.reason
    rendered = render_review(draft, [unreachable], templates_folder(REPO))
    assert "not reachable" in rendered.html and "not reachable" in rendered.markdown
    assert "<img" not in rendered.html


def test_a_query_prometheus_refuses_is_a_reason_not_a_failure(prometheus: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    draft = _draft_around(now)
    broken = replace(draft.alerts[0], expr='rate(up{job="prometheus"}[5m]) > 0 offset -99999999y')
    source = PrometheusHTTP(prometheus)
    try:
        [graph] = draw_graphs(replace(draft, alerts=(broken,)), source, now=now)
    finally:
        source.close()
    assert graph.png is None and graph.reason.startswith("no graph: ")


def _store_incident(url: str, now: datetime) -> int:
    from sqlalchemy.orm import Session

    from observability.store.engine import make_engine
    from observability.store.migrate import upgrade
    from observability.store.models import Incident, IncidentAlert, IncidentEpisode

    upgrade(url)
    engine = make_engine(url)
    start = now - timedelta(minutes=2)
    try:
        with Session(engine) as session:
            incident = Incident(
                group_key="cli-review",
                status="resolved",
                title="Prometheus scrapes itself",
                service="incident",
                severity="critical",
                opened_at=start,
                updated_at=now,
                resolved_at=now - timedelta(seconds=30),
                resolved_by="alertmanager",
            )
            session.add(incident)
            session.flush()
            session.add(
                IncidentAlert(
                    incident_id=incident.id,
                    fingerprint="cli",
                    starts_at=start,
                    ends_at=now - timedelta(seconds=30),
                    status="resolved",
                    alertname="PrometheusSelfDown",
                    severity="critical",
                    labels={"alertname": "PrometheusSelfDown"},
                    annotations={},
                    generator_url="http://prometheus/graph?g0.expr=" + quote_plus(EXPR),
                    first_seen_at=start,
                    last_seen_at=now,
                )
            )
            session.add(
                IncidentEpisode(
                    incident_id=incident.id,
                    episode=1,
                    impact_started_at=start,
                    detected_at=start,
                    mitigated_at=now - timedelta(seconds=30),
                    resolved_at=now - timedelta(seconds=30),
                )
            )
            session.commit()
            return incident.id
    finally:
        engine.dispose()


def test_obs_review_out_writes_markdown_with_its_graph_file_beside_it(
    prometheus: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'obs.db'}"
    incident_id = _store_incident(url, datetime.now(UTC).replace(microsecond=0))
    env = {**os.environ, "OBS_DATABASE_URL": url, "OBS_PROMETHEUS_URL": prometheus, "PYTHONPATH": str(REPO)}
    out = tmp_path / "reviews"
    done = subprocess.run(
        [sys.executable, "-m", "observability.cli", "review", str(incident_id), "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    markdown = (out / f"incident-{incident_id}-review.md").read_text()
    png = out / f"incident-{incident_id}-graph-1.png"
    assert f"]({png.name})" in markdown and "new version 1" in done.stderr
    source = read_source(png.read_bytes())
    assert source is not None and source["query"] == 'up{job="prometheus"}' and source["series"]
    again = subprocess.run(
        [sys.executable, "-m", "observability.cli", "review", str(incident_id), "--format", "html"],
        cwd=REPO,
        env={**env, "OBS_PROMETHEUS_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Without Prometheus the graph's fingerprint changes (a reason instead), so a new version says why.
    assert again.returncode == 0 and "new version 2" in again.stderr
    assert "OBS_PROMETHEUS_URL is not set" in again.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "observability.cli", "review", "999"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and "incident 999 not found" in missing.stderr
