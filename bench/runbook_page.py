"""A live runbook page's database work with 100,000 incidents in the store, SQLite and PostgreSQL.

Seeds 100,000 incidents of one alert each, their alert names spread over every runbook's alerts
(1 % unresolved and firing), then times `runbook_live` (incidents firing now + the last ten with
their episodes; no Alertmanager) for a runbook whose alerts fire often and for one whose alerts
never fired (the worst case: every incident is looked at). Never asserts.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import report

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, insert, make_url, text  # noqa: E402

from observability.runbooks import load_runbooks  # noqa: E402
from observability.store.engine import make_engine, session_factory  # noqa: E402
from observability.store.migrate import upgrade  # noqa: E402
from observability.store.models import Incident, IncidentAlert  # noqa: E402
from observability.web.runbooks_site import runbook_live  # noqa: E402

INCIDENTS = 100_000
CALLS = 200
BATCH = 5_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def seed(url: str, names: list[str]) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for start in range(0, INCIDENTS, BATCH):
            ids = range(start + 1, min(start + BATCH, INCIDENTS) + 1)
            incidents: list[dict[str, Any]] = []
            alerts: list[dict[str, Any]] = []
            for i in ids:
                name, opened = names[i % len(names)], T0 + timedelta(minutes=i)
                open_ = (i // len(names)) % 100 == 0  # 1 % of each name's incidents
                incidents.append(
                    {
                        "id": i,
                        "group_key": f'{{}}:{{alertname="{name}",n="{i}"}}',
                        "status": "triggered" if open_ else "resolved",
                        "title": f"{name} #{i}",
                        "service": "api",
                        "severity": "critical",
                        "opened_at": opened,
                        "updated_at": opened,
                        "resolved_at": None if open_ else opened + timedelta(minutes=30),
                        "firing_alerts": 1 if open_ else 0,
                    }
                )
                alerts.append(
                    {
                        "incident_id": i,
                        "fingerprint": f"fp{i}",
                        "starts_at": opened,
                        "status": "firing" if open_ else "resolved",
                        "alertname": name,
                        "labels": {"alertname": name},
                        "annotations": {},
                        "first_seen_at": opened,
                        "last_seen_at": opened,
                    }
                )
            conn.execute(insert(Incident), incidents)
            conn.execute(insert(IncidentAlert), alerts)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(url: str, backend: str) -> None:
    runbooks = load_runbooks(REPO / "runbooks")
    names = sorted({name for rb in runbooks.values() for name in rb.alerts if rb.slug != "watchdog"})
    started = time.perf_counter()
    upgrade(url)
    seed(url, names)
    print(f"{backend}: {INCIDENTS:,} incidents seeded in {time.perf_counter() - started:.1f} s", flush=True)
    engine = make_engine(url)
    sessions = session_factory(engine)
    for label, slug in (("alerts that fire often", "api-down"), ("alerts that never fired", "watchdog")):
        latencies = []
        for _ in range(CALLS):
            begun = time.perf_counter()
            with sessions() as session:
                live = runbook_live(session, runbooks[slug], None)
            latencies.append((time.perf_counter() - begun) * 1000)
        p50 = statistics.median(latencies)
        p99 = statistics.quantiles(latencies, n=100)[98]
        print(
            f"{backend}: runbook {slug} ({label}): {len(live.firing)} firing, {len(live.recent)} recent; "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms over {CALLS} pages",
            flush=True,
        )
        report.record("runbook_page", f"live runbook {label}, p99 ({backend})", p99, "ms", at_most=100)
        report.record("runbook_page", f"live runbook {label}, p50 ({backend})", p50, "ms")
    engine.dispose()


def main() -> int:
    print(f"runbook page: load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="obs-bench-runbook-") as tmp:
        measure(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite")
    server = make_url(os.environ.get("OBS_TEST_POSTGRES_URL") or report.DEFAULT_POSTGRES)
    name = f"obs_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        measure(server.set(database=name).render_as_string(hide_password=False), "PostgreSQL")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
