"""One live stack per session: the platform, exporters, Prometheus, Alertmanager, incident service.

Nothing here skips in CI: a missing binary or PostgreSQL goes through tests.support.unavailable.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.inject import RunningStack, heal
from demo.stack import Stack, StackOptions
from tests.live.otlp_receiver import OtlpReceiver
from tests.live.prometheus import PrometheusClient, wait_for
from tests.support import binary, free_port

BINARIES = (
    "prometheus",
    "prometheus-alertmanager",
    "prometheus-node-exporter",
    "prometheus-postgres-exporter",
)
SCRAPED_JOBS = 6  # api, worker, node, postgres, obs, prometheus


@dataclass
class LiveStack:
    stack: Stack
    prometheus: PrometheusClient
    receiver: OtlpReceiver
    running: RunningStack
    traffic_since: float  # Unix time traffic was first seen flowing
    faults_exercised: set[str] = field(default_factory=set)
    acknowledged_incident: int | None = None
    healed_at: float = 0.0  # Unix time the last injected fault was healed

    def heal(self, kind: str) -> None:
        heal(self.running, kind)
        self.healed_at = time.time()

    def api_log(self) -> Path:
        return self.stack.log_dir / "api.log"


@pytest.fixture(scope="session")
def live(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    for name in BINARIES:
        binary(name)
    receiver = OtlpReceiver(free_port()).start()
    options = StackOptions(
        run_dir=tmp_path_factory.mktemp("live-stack"),
        postgres_url=postgres_server_url,
        database=f"obs_live_{uuid.uuid4().hex[:10]}",
        drop_database=True,
        traffic_rate=10.0,
        traffic_duration=600.0,
        otlp_traces_endpoint=receiver.endpoint,
        # each test's fault opens its own incident, even where an earlier test fired the same alert
        service_env={"OBS_REOPEN_WINDOW_SECONDS": "0"},
    )
    try:
        with Stack(options) as stack:
            prometheus = PrometheusClient(stack.url("prometheus"))
            wait_for(lambda: _traffic_flows(prometheus), timeout=60)
            yield LiveStack(stack, prometheus, receiver, RunningStack.load(stack.run_dir), time.time())
    finally:
        receiver.stop()


def _traffic_flows(prometheus: PrometheusClient) -> bool:
    up = prometheus.series("up == 1")
    jobs_done = prometheus.series('sum(rate(worker_jobs_processed_total{job="worker"}[10s])) > 0')
    requests = prometheus.series('sum(rate(http_requests_total{job="api",route="/jobs"}[10s])) > 0')
    return len(up) >= SCRAPED_JOBS and bool(jobs_done) and bool(requests)


def acknowledge_an_incident(live: LiveStack) -> int:
    """Acknowledge one open incident through the incident API (once per session); its id."""
    if live.acknowledged_incident is not None:
        return live.acknowledged_incident
    assert live.stack.api_token, "the incident service did not start; see its log in the stack's run dir"
    api = httpx.Client(
        base_url=live.stack.url("incident-service"),
        headers={"Authorization": f"Bearer {live.stack.api_token}"},
        timeout=10,
    )
    open_incidents: list[dict[str, Any]] = []

    def some_incident_is_open() -> bool:
        page = api.get("/api/v1/incidents", params={"status": "triggered"})
        assert page.status_code == 200, page.text
        open_incidents[:] = page.json()["items"]
        return bool(open_incidents)

    wait_for(some_incident_is_open, timeout=60)  # the Watchdog alone opens one within seconds
    incident_id = int(open_incidents[0]["id"])
    answer = api.post(f"/api/v1/incidents/{incident_id}/ack")
    assert answer.status_code == 200, answer.text
    live.acknowledged_incident = incident_id
    # rate/increase panels need two samples of the new series
    wait_for(
        lambda: bool(
            live.prometheus.series("count_over_time(obs_time_to_acknowledge_seconds_count[1m]) >= 2")
        ),
        timeout=15,
    )
    return incident_id
