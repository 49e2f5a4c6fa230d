"""Incident list benchmark: 100,000 incidents in the store, the list page through the real app.

Bulk-inserts the incidents (a year of them: most resolved, some open, a few reopened), starts
`obs serve`, signs a browser session in through `/incidents/login`, then times N sequential GETs
of each list page over one keep-alive connection: the first page, each filter (status, service,
severity, all three) and a search. Prints p50/p99/max per page and backend. Never asserts.
Goal: p99 <= 100 ms for the first page and every filtered page, on PostgreSQL and on SQLite.

PostgreSQL: the server named by OBS_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432/test); the
benchmark creates its own database there and drops it afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import report  # bench/ is on sys.path
from ingest import DEFAULT_POSTGRES, percentile, postgres_database, service

from observability.auth.tokens import hash_token
from observability.store.engine import make_engine, session_factory
from observability.store.migrate import upgrade
from observability.store.models import Incident
from observability.store.row_insert import RowInsert

GOAL = "goal: p99 <= 100 ms"
VIEWER_TOKEN = "bench-viewer-token"
SERVICES = ("api", "checkout", "payments", "search", "auth", "worker", "gateway", "billing")
ALERTS = (
    "PlatformApiDown",
    "HighLatency",
    "ErrorBudgetBurn",
    "QueueBacklog",
    "DiskFilling",
    "PodCrashLooping",
)
SEVERITIES = ("critical", "warning", "info")
PAGES = {
    "first page": "/incidents/",
    "status=triggered": "/incidents/?status=triggered",
    "service=checkout": "/incidents/?service=checkout",
    "severity=warning": "/incidents/?severity=warning",
    "all three filters": "/incidents/?status=resolved&service=payments&severity=critical",
    "search q=latency": "/incidents/?q=latency",
    "search + status": "/incidents/?status=acknowledged&q=pod-7",
}
BATCH = 5000
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')

_INSERT = RowInsert(
    Incident,
    (
        "group_key",
        "status",
        "title",
        "service",
        "severity",
        "receiver",
        "group_labels",
        "flapping",
        "reopen_count",
        "firing_alerts",
        "truncated_alerts",
        "runbook_missing",
        "opened_at",
        "updated_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
    ),
)


def incident_row(index: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    """One incident of the last year; 2% open (triggered or acknowledged), 5% reopened."""
    service_name, alertname = rng.choice(SERVICES), rng.choice(ALERTS)
    opened = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
    roll = rng.random()
    status = "triggered" if roll < 0.01 else "acknowledged" if roll < 0.02 else "resolved"
    reopened = rng.random() < 0.05
    updated = opened + timedelta(seconds=rng.uniform(0, 30 * 86400 if reopened else 7200))
    updated = min(updated, now)
    acknowledged = status != "triggered" and rng.random() < 0.7
    return {
        "group_key": f'{{}}:{{alertname="{alertname}", service="{service_name}", n="{index}"}}',
        "status": status,
        "title": f"{alertname} on {service_name}",
        "service": service_name,
        "severity": rng.choice(SEVERITIES),
        "receiver": "obs-incidents",
        "group_labels": {"alertname": alertname, "service": service_name, "pod": f"pod-{index % 50}"},
        "flapping": reopened,
        "reopen_count": int(reopened),
        "firing_alerts": 0 if status == "resolved" else rng.randint(1, 5),
        "truncated_alerts": 0,
        "runbook_missing": False,
        "opened_at": opened,
        "updated_at": updated,
        "acknowledged_at": opened + timedelta(minutes=3) if acknowledged else None,
        "acknowledged_by": "ada" if acknowledged else None,
        "resolved_at": updated if status == "resolved" else None,
        "resolved_by": "alertmanager" if status == "resolved" else None,
    }


def fill(database_url: str, count: int) -> float:
    """Migrate and bulk-insert `count` incidents; the seconds it took."""
    upgrade(database_url)
    engine = make_engine(database_url)
    rng, now = random.Random(10), datetime.now(UTC)
    started = time.perf_counter()
    try:
        sessions = session_factory(engine)
        for first in range(0, count, BATCH):
            with sessions() as session:
                rows = [incident_row(i, now, rng) for i in range(first, min(first + BATCH, count))]
                _INSERT.execute(session, rows)
                session.commit()
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    finally:
        engine.dispose()
    return time.perf_counter() - started


def session_cookie(port: int) -> str:
    """Sign in as a browser does (form page, CSRF cookie, POST); the `Cookie` header that results."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        form = client.get("/incidents/login")
        csrf = CSRF_FIELD.search(form.text)
        assert csrf is not None, form.text[:500]
        signed_in = client.post(
            "/incidents/login", data={"token": VIEWER_TOKEN, "csrf": csrf[1]}, follow_redirects=False
        )
        assert signed_in.status_code == 303, signed_in.text[:500]
        return f"obs_session={client.cookies['obs_session']}"


def time_page(connection: http.client.HTTPConnection, path: str, cookie: str, requests: int) -> list[float]:
    """Sorted latencies (seconds) of `requests` GETs of `path`, after two warm-up requests."""
    latencies = []
    for attempt in range(requests + 2):
        started = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
        if attempt >= 2:
            latencies.append(time.perf_counter() - started)
    return sorted(latencies)


def run_backend(
    name: str, database_url: str, folder: Path, count: int, requests: int
) -> list[dict[str, Any]]:
    seconds = fill(database_url, count)
    print(f"{name}: inserted {count:,} incidents in {seconds:.1f} s", file=sys.stderr)
    figures = []
    with service(database_url, folder) as (port, _pid):
        cookie = session_cookie(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for label, path in PAGES.items():
                latencies = time_page(connection, path, cookie, requests)
                figures.append(
                    {
                        "backend": name,
                        "page": label,
                        "p50": percentile(latencies, 0.50) * 1000,
                        "p99": percentile(latencies, 0.99) * 1000,
                        "max": latencies[-1] * 1000,
                    }
                )
        finally:
            connection.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000, help="incidents in the store")
    parser.add_argument("--requests", type=int, default=200, help="timed GETs per page")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    # The service reads its viewer token from settings (its hash); `service` passes os.environ on.
    os.environ["OBS_API_TOKENS"] = f"bench-viewer:viewer:{hash_token(VIEWER_TOKEN)}"
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="obs-bench-list-") as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            url = f"sqlite:///{folder / 'list.db'}"
            results += run_backend("sqlite", url, folder, args.incidents, args.requests)
        if args.backend in ("postgresql", "both"):
            with postgres_database(os.environ.get("OBS_TEST_POSTGRES_URL", DEFAULT_POSTGRES)) as url:
                if url is not None:
                    results += run_backend("postgresql", url, folder, args.incidents, args.requests)
    print(f"incident list, {args.incidents:,} incidents, {args.requests} sequential GETs per page ({GOAL})")
    print(f"{'backend':<11} {'page':<20} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for row in results:
        print(
            f"{row['backend']:<11} {row['page']:<20} {row['p50']:>7.1f} {row['p99']:>7.1f} {row['max']:>7.1f}"
        )
        figure = f"{row['page']} ({row['backend']})"
        report.record("incident_list", f"{figure} p50", row["p50"], "ms")
        report.record("incident_list", f"{figure} p99", row["p99"], "ms", at_most=100)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
