"""A review's graph, from the live stack: the demo's fault fires an alert through the real Prometheus,
and the review of its incident carries a PNG whose source series is the alert's expression over the
incident window (read from the PNG's `obs-series` chunk, not its pixels)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from demo.inject import inject
from observability.reviews.draft import expression_of
from observability.reviews.graph_plot import read_source
from observability.reviews.graph_query import split_threshold
from tests.live.conftest import LiveStack
from tests.live.prometheus import wait_for

pytestmark = pytest.mark.e2e

ALERT = "PlatformApiHighErrorRatio"
FAULT = "api-errors"


def _incident_of(api: httpx.Client, alertname: str) -> dict[str, Any] | None:
    page = api.get("/api/v1/incidents", params={"limit": 100}).json()["items"]
    for summary in page:
        detail = api.get(f"/api/v1/incidents/{summary['id']}").json()
        if any(alert["alertname"] == alertname for alert in detail["alerts"]):
            return dict(detail)
    return None


def test_review_graph_is_the_firing_alerts_expression_over_the_incident_window(live: LiveStack) -> None:
    assert live.stack.api_token, "the incident service did not start; see its log in the stack's run dir"
    api = httpx.Client(
        base_url=live.stack.url("incident-service"),
        headers={"Authorization": f"Bearer {live.stack.api_token}"},
        timeout=30,
    )
    try:
        inject(live.running, FAULT)
        wait_for(lambda: "firing" in live.prometheus.alert_states().get(ALERT, set()), timeout=60)
        wait_for(lambda: _incident_of(api, ALERT) is not None, timeout=30)
    finally:
        live.heal(FAULT)
    wait_for(lambda: (_incident_of(api, ALERT) or {}).get("status") == "resolved", timeout=90)
    incident = _incident_of(api, ALERT)
    assert incident is not None

    review = api.get(f"/api/v1/incidents/{incident['id']}/review")
    assert review.status_code == 200, review.text
    body = review.json()
    [graph] = [g for g in body["graphs"] if g["alertname"] == ALERT]
    assert graph["drawn"], graph["reason"]
    png = api.get(graph["url"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    source = read_source(png.content)
    assert source is not None

    [alert] = [a for a in incident["alerts"] if a["alertname"] == ALERT][:1]
    expr = expression_of(alert["generator_url"])
    assert source["expr"] == expr
    query, threshold, _ = split_threshold(expr)
    assert (source["query"], source["threshold"]) == (query, threshold)
    # The window: impact start minus 30 minutes, up to resolved plus 30 minutes (clamped to now).
    assert source["start"] <= datetime.fromisoformat(incident["opened_at"]).timestamp() - 30 * 60
    assert source["end"] >= datetime.fromisoformat(incident["resolved_at"]).timestamp()
    # The series are Prometheus's answer to that query over that window (the newest points may
    # have moved since: samples keep arriving).
    answer = httpx.get(
        f"{live.prometheus.url}/api/v1/query_range",
        params={
            "query": source["query"],
            "start": source["start"],
            "end": source["end"],
            "step": source["step"],
        },
        timeout=10,
    ).json()
    again = {tuple(sorted(item["metric"].items())): item["values"] for item in answer["data"]["result"]}
    assert source["series"], "the graph has no series"
    for series in source["series"]:
        key = tuple(sorted(series["labels"].items()))
        settled = [p for p in series["values"] if p[0] < source["end"] - 30]
        expected = [[t, float(v)] for t, v in again[key] if t < source["end"] - 30]
        assert settled == expected
    assert max(v for s in source["series"] for _, v in s["values"]) > threshold  # type: ignore[operator]
    # The HTML embeds the same picture.
    html = api.get(f"/api/v1/incidents/{incident['id']}/review", params={"format": "html"}).text
    assert 'src="data:image/png;base64,' in html
    assert datetime.now(UTC) > datetime.fromisoformat(incident["resolved_at"])
