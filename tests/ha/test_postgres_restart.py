"""PostgreSQL stopped mid-ingest and started again, under the HA topology, on a server of the test's own.

While it is down the webhook answers 503 (with a message) and /readyz fails on both replicas; the
replicas recover without a restart, Alertmanager's retries land, and everything fired is stored once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.ingest.live import WEBHOOK, wait_until
from tests.ingest.payloads import alert, notification
from tests.private_postgres import PrivatePostgres, running_private_postgres
from tests.support import binary

from .conftest import TOKEN
from .store_counts import StormCounts, storm_counts
from .topology import Topology, start_topology, storm_alerts

pytestmark = pytest.mark.e2e

# 20 groups x 50 alerts before the stop; while it is down, 25 more in each of those groups and
# 5 new groups of 75: 1,875 alerts in 25 groups in all.
GROUPS_BEFORE, PER_GROUP_BEFORE = 20, 50
GROUPS, PER_GROUP = 25, 75
SETTLE_SECONDS = 90
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    with running_private_postgres() as running:
        yield running


@pytest.fixture(scope="module")
def topology(
    private_postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Topology]:
    for tool in ("haproxy", "prometheus-alertmanager"):
        binary(tool)
    database_url = private_postgres.create_database("obs_restart")
    running = start_topology(tmp_path_factory.mktemp("ha-restart"), database_url, TOKEN)
    try:
        yield running
    finally:
        running.stop()


def split_alerts(prefix: str, start: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(fired before the stop, fired while PostgreSQL is down)."""
    everything = storm_alerts(prefix, GROUPS, PER_GROUP, start)
    before = [
        a for i, a in enumerate(everything) if _group(i) < GROUPS_BEFORE and _instance(i) < PER_GROUP_BEFORE
    ]
    during = [
        a
        for i, a in enumerate(everything)
        if not (_group(i) < GROUPS_BEFORE and _instance(i) < PER_GROUP_BEFORE)
    ]
    return before, during


def _group(index: int) -> int:
    return index // PER_GROUP


def _instance(index: int) -> int:
    return index % PER_GROUP


def readyz(port: int) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)


PENDING_PAGES = (
    "SELECT count(*) FROM notification_outbox WHERE status = 'pending' AND incident_id IN "
    "(SELECT incident_id FROM incident_alerts WHERE alertname LIKE :prefix)"
)


def pending_pages(database_url: str, prefix: str) -> int:
    """Outbox rows of the storm's incidents the sender has not settled yet (plain SQL)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(PENDING_PAGES), {"prefix": f"{prefix}%"}).scalar_one())
    finally:
        engine.dispose()


def test_postgres_restarted_mid_ingest_answers_503_then_recovers_without_a_restart_and_loses_nothing(
    topology: Topology, private_postgres: PrivatePostgres
) -> None:
    prefix = f"Pg{uuid.uuid4().hex[:6]}x"
    before, during = split_alerts(prefix, datetime.now(UTC) - timedelta(seconds=30))
    pids = [replica.process.pid for replica in topology.replicas if replica.process is not None]
    probe = notification(
        [alert("probe", alertname=f"Probe{prefix}")], group_key=f'{{}}:{{alertname="Probe{prefix}"}}'
    )

    started = time.monotonic()
    storm = threading.Thread(target=topology.post_alerts, args=(before,))
    storm.start()
    stored_at_stop = _stop_mid_ingest(topology, private_postgres, prefix)
    log_at_stop = topology.balancer_log_size()
    storm.join(60)

    # Down: both replicas say so on /readyz, and the webhook answers 503 with a message, directly
    # and through haproxy; /healthz (liveness) still passes, restarting would not help.
    for replica in topology.replicas:
        answer = readyz(replica.port)
        assert answer.status_code == 503, answer.text
        assert answer.json()["detail"].startswith("database unreachable"), answer.text
        assert httpx.get(f"http://127.0.0.1:{replica.port}/healthz", timeout=10).status_code == 200
        _assert_refused_with_a_message(
            httpx.post(f"http://127.0.0.1:{replica.port}{WEBHOOK}", json=probe, headers=AUTH, timeout=30)
        )
    topology.post_alerts(during)
    # haproxy takes both out of the rotation (3 failed checks, 2 s apart); its fail-open backups
    # then pass the webhook on to a replica all the same, which refuses it.
    wait_until(
        lambda: not any(topology.replica_in_rotation(r) for r in topology.replicas),
        30,
        "haproxy to take both replicas out of the rotation",
    )
    _assert_refused_with_a_message(
        httpx.post(
            f"http://127.0.0.1:{topology.balancer_port}{WEBHOOK}", json=probe, headers=AUTH, timeout=30
        )
    )
    # Alertmanager's own notifications were refused too (haproxy's log: 503 from a replica).
    refused = [answer for answer in topology.webhook_answers_since(log_at_stop) if answer[1] == "503"]
    assert refused, "no webhook request was answered 503 while PostgreSQL was down"

    private_postgres.start()
    restarted_at = time.monotonic()
    # Up again: the same processes serve (no restart), ready, and haproxy takes them back.
    for replica in topology.replicas:
        wait_until(
            lambda replica=replica: readyz(replica.port).status_code == 200, 30, "/readyz to pass again"
        )
    assert [replica.process.pid for replica in topology.replicas if replica.process is not None] == pids
    assert all(
        replica.process is not None and replica.process.poll() is None for replica in topology.replicas
    )
    for replica in topology.replicas:
        wait_until(
            lambda replica=replica: topology.replica_in_rotation(replica), 30, "haproxy to take it back"
        )
    accepted = httpx.post(
        f"http://127.0.0.1:{topology.balancer_port}{WEBHOOK}", json=probe, headers=AUTH, timeout=30
    )
    assert accepted.status_code == 200, accepted.text

    counts = _wait_for_everything(topology, prefix)
    recovered_at = time.monotonic()
    assert counts.incidents == GROUPS
    assert counts.alerts == GROUPS * PER_GROUP
    assert counts.fired_steps == GROUPS
    assert counts.duplicate_pages == 0
    assert counts.duplicate_escalations == 0
    # The outbox sender runs again after the outage: every page is settled (no sender is
    # configured here, so each is marked skipped rather than left pending).
    wait_until(
        lambda: pending_pages(topology.database_url, prefix) == 0,
        30,
        "the outbox sender to settle every page",
    )
    print(
        f"postgres restart: {stored_at_stop.alerts} of {len(before)} alerts stored when it stopped, "
        f"{len(refused)} webhook requests answered 503 while down, "
        f"everything stored {recovered_at - restarted_at:.1f}s after the start; "
        f"{time.monotonic() - started:.1f}s in all"
    )


def _stop_mid_ingest(topology: Topology, server: PrivatePostgres, prefix: str) -> StormCounts:
    """Stop PostgreSQL (immediate: no checkpoint, connections cut) once the first alerts are stored."""
    wait_until(
        lambda: storm_counts(topology.database_url, prefix).alerts > 0,
        60,
        "the ingest to start",
        interval=0.05,
    )
    counts = storm_counts(topology.database_url, prefix)
    server.stop("immediate")
    return counts


def _assert_refused_with_a_message(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text)
    assert "Retry-After" in response.headers
    detail = response.json()["detail"]
    assert "not stored" in detail and "database" in detail, detail
    assert "Traceback" not in response.text


def _wait_for_everything(topology: Topology, prefix: str) -> StormCounts:
    counts: list[StormCounts] = []

    def complete() -> bool:
        counts.append(storm_counts(topology.database_url, prefix))
        return counts[-1].alerts == GROUPS * PER_GROUP and counts[-1].incidents_without_a_page == 0

    wait_until(
        complete,
        SETTLE_SECONDS,
        "Alertmanager's retries to land and every incident to be paged",
        interval=1.0,
    )
    return counts[-1]
