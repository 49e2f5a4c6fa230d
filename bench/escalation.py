"""Escalation benchmark: 10,000 incidents whose steps fall due staggered over a window, fired by real
`obs escalation run` processes — one on SQLite, two on PostgreSQL.

Prints, per backend: how late steps fired (p50/p99/max of fired_at - due_at), duplicates (steps
with more than one `escalated` timeline event or outbox row) and how the work split between
processes. Never asserts. Goal: p99 lateness <= 1 s, zero duplicates.

PostgreSQL: the server named by OBS_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432/test); the
benchmark creates its own database there and drops it afterwards.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import report
import yaml
from ingest import DEFAULT_POSTGRES, percentile, postgres_database  # bench/ is on sys.path
from sqlalchemy import func, insert, select

from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import STEP_PENDING, EscalationStep, OutboxMessage
from observability.store.migrate import upgrade
from observability.store.models import Incident, TimelineEvent

REPO = Path(__file__).resolve().parents[1]
GOALS = "goal: p99 lateness <= 1 s, zero duplicates"
READY = "firing due steps"
# Steps fall due from LEAD seconds after the inserts begin, spread evenly over WINDOW seconds.
LEAD_SECONDS = 12.0
BATCH = 1000


def write_matrix(path: Path) -> Path:
    """One person, one rotation, one policy with one step paging the rotation."""
    person = {
        "id": "ada",
        "name": "Ada",
        "slack_user_id": "UADA1",
        "email": "ada@example.com",
        "timezone": "Europe/Berlin",
    }
    rotation = {
        "id": "ops",
        "members": ["ada"],
        "shift": "daily",
        "handoff": "09:00",
        "timezone": "Europe/Berlin",
        "start": "2026-01-01",
    }
    policy = {"id": "bench", "steps": [{"delay": "0s", "targets": [{"rotation": "ops"}]}]}
    path.write_text(yaml.safe_dump({"people": [person], "rotations": [rotation], "policies": [policy]}))
    return path


def start_engines(database_url: str, matrix: Path, count: int, folder: Path) -> list[subprocess.Popen[bytes]]:
    env = os.environ | {
        "OBS_DATABASE_URL": database_url,
        "OBS_ESCALATION_MATRIX": str(matrix),
        "OBS_ESCALATION_TICK_SECONDS": "1",
    }
    processes = []
    for index in range(count):
        log = (folder / f"engine{index}.log").open("wb")
        command = [sys.executable, "-m", "observability.cli", "escalation", "run"]
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO))
    deadline = time.monotonic() + 60
    for index, process in enumerate(processes):
        log_path = folder / f"engine{index}.log"
        while READY not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                stop(processes)
                raise RuntimeError(f"engine {index} did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
    return processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def open_incidents(sessions: Any, count: int, first_due: datetime, window: float) -> float:
    """Insert `count` incidents with one pending step each, due staggered from `first_due`."""
    started = time.perf_counter()
    spacing = timedelta(seconds=window / count)
    now = datetime.now(UTC)
    for offset in range(0, count, BATCH):
        numbers = range(offset, min(offset + BATCH, count))
        with sessions.begin() as session:
            incident_rows = [
                {
                    "group_key": f"bench-{n}",
                    "status": "triggered",
                    "title": f"bench incident {n}",
                    "service": "api",
                    "severity": "critical",
                    "receiver": "bench",
                    "group_labels": {},
                    "flapping": False,
                    "reopen_count": 0,
                    "firing_alerts": 1,
                    "truncated_alerts": 0,
                    "runbook_missing": False,
                    "opened_at": now,
                    "updated_at": now,
                }
                for n in numbers
            ]
            ids = session.scalars(insert(Incident).returning(Incident.id), incident_rows).all()
            step_rows = [
                {
                    "incident_id": incident_id,
                    "policy": "bench",
                    "round": 0,
                    "cycle": 0,
                    "step": 0,
                    "due_at": first_due + n * spacing,
                    "targets": [{"rotation": "ops"}],
                    "status": STEP_PENDING,
                    "created_at": now,
                    "cancel_reason": "",
                }
                for n, incident_id in zip(numbers, ids, strict=True)
            ]
            session.execute(insert(EscalationStep), step_rows)
    if sessions.kw["bind"].dialect.name == "sqlite":
        # Checkpoint the bulk insert's WAL now, so the engine's first commit does not pay for it.
        raw = sessions.kw["bind"].raw_connection()  # outside a transaction, as the pragma needs
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return time.perf_counter() - started


def measure(sessions: Any) -> dict[str, Any]:
    with sessions() as session:
        fired = session.execute(
            select(EscalationStep.due_at, EscalationStep.fired_at, EscalationStep.fired_by).where(
                EscalationStep.fired_at.is_not(None)
            )
        ).all()
        events = Counter(
            data["step_id"]
            for data in session.scalars(select(TimelineEvent.data).where(TimelineEvent.kind == "escalated"))
        )
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        pending = session.scalar(
            select(func.count()).select_from(EscalationStep).where(EscalationStep.status == STEP_PENDING)
        )
    lateness = sorted((row.fired_at - row.due_at).total_seconds() for row in fired)
    return {
        "fired": len(fired),
        "pending": pending,
        "p50": percentile(lateness, 0.50),
        "p99": percentile(lateness, 0.99),
        "max": lateness[-1] if lateness else float("nan"),
        "early": sum(1 for value in lateness if value < 0),
        "duplicate_events": sum(count - 1 for count in events.values()),
        "duplicate_outbox": outbox - len(events),
        "by_process": sorted(Counter(row.fired_by for row in fired).values(), reverse=True),
    }


def run_backend(
    name: str, url: str, processes: int, count: int, window: float, folder: Path
) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    matrix = write_matrix(folder / "matrix.yml")
    engines = start_engines(url, matrix, processes, folder)
    try:
        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
        insert_seconds = open_incidents(sessions, count, first_due, window)
        if insert_seconds > LEAD_SECONDS:
            print(f"  warning: inserting took {insert_seconds:.1f}s, longer than the {LEAD_SECONDS}s lead")
        last_due = first_due + timedelta(seconds=window)
        time.sleep(max(0.0, (last_due - datetime.now(UTC)).total_seconds()) + 2.0)
        deadline = time.monotonic() + 30
        while measure(sessions)["pending"] and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop(engines)
    result = measure(sessions) | {"backend": name, "processes": processes, "insert_s": insert_seconds}
    engine.dispose()
    return result


def show(result: dict[str, Any]) -> None:
    print(
        f"{result['backend']:<10} processes={result['processes']} fired={result['fired']} "
        f"pending={result['pending']} lateness p50={result['p50'] * 1000:.0f} ms "
        f"p99={result['p99'] * 1000:.0f} ms max={result['max'] * 1000:.0f} ms early={result['early']} "
        f"duplicates: timeline={result['duplicate_events']} outbox={result['duplicate_outbox']} "
        f"split={result['by_process']} (inserted in {result['insert_s']:.1f}s)",
        flush=True,
    )
    where = f"{result['backend']}, {result['processes']} engine(s)"
    for name, value, at_most in (
        ("lateness p50", result["p50"] * 1000, None),
        ("lateness p99", result["p99"] * 1000, 1000),
        ("lateness max", result["max"] * 1000, None),
    ):
        report.record("escalation", f"{name} ({where})", value, "ms", at_most=at_most)
    duplicates = result["duplicate_events"] + result["duplicate_outbox"]
    report.record("escalation", f"duplicate pages ({where})", duplicates, "", at_most=0)
    report.record("escalation", f"steps left unfired ({where})", result["pending"], "", at_most=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=30.0, help="seconds over which steps fall due")
    args = parser.parse_args()
    print(f"escalation: {args.incidents} incidents, steps due over {args.window:.0f}s; {GOALS}", flush=True)
    with tempfile.TemporaryDirectory(prefix="obs-bench-escalation-") as tmp:
        folder = Path(tmp)
        (folder / "sqlite").mkdir()
        sqlite_url = f"sqlite:///{folder / 'sqlite' / 'obs.db'}"
        show(run_backend("sqlite", sqlite_url, 1, args.incidents, args.window, folder / "sqlite"))
        server = os.environ.get("OBS_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
        with postgres_database(server) as postgres_url:
            if postgres_url is not None:
                (folder / "postgres").mkdir()
                show(
                    run_backend(
                        "postgresql", postgres_url, 2, args.incidents, args.window, folder / "postgres"
                    )
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
