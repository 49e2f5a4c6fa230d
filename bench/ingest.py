"""Webhook ingest benchmark: `obs serve` as a real uvicorn subprocess on SQLite and on PostgreSQL.

Prints, per backend: single-alert notifications/s with p50/p99 latency from 4 concurrent clients,
alerts/s in 100-alert notifications, and the service's RSS after 100,000 alerts, in one table with
the CPU each single notification cost the service, PostgreSQL's backends and the client (the three
share the machine's cores, so read the throughput next to the load average it prints). Never asserts.

PostgreSQL: the server named by OBS_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432/test); the
benchmark creates its own database there and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import profiling
import report
from sqlalchemy import make_url

REPO = Path(__file__).resolve().parents[1]
WEBHOOK = "/api/v1/webhooks/alertmanager"
TOKEN = "bench-webhook-token"
CLIENTS = 4
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOALS = (
    "goals: >= 750 single-alert notifications/s on PostgreSQL with p99 <= 20 ms, "
    ">= 10,000 alerts/s, RSS <= 200 MB"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def notification(group: str, fingerprints: list[str], start: datetime) -> bytes:
    """An Alertmanager v4 notification of `group` with one firing alert per fingerprint."""
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": group, "service": "api", "severity": "critical", "instance": fp},
            "annotations": {"summary": f"{group} on {fp}", "runbook_url": "http://runbooks/api-down"},
            "startsAt": start.isoformat(),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
            "fingerprint": fp,
        }
        for fp in fingerprints
    ]
    body = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "obs",
        "groupLabels": {"alertname": group},
        "commonLabels": {"alertname": group, "service": "api", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }
    return json.dumps(body).encode()


@contextmanager
def service(database_url: str, folder: Path, workers: int = 1) -> Iterator[tuple[int, int]]:
    """`obs serve` on a free port; yields (port, pid) and stops it afterwards."""
    port = free_port()
    env = {**os.environ, "OBS_DATABASE_URL": database_url, "OBS_WEBHOOK_TOKEN": TOKEN}
    log = (folder / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "observability.cli", "serve", "--port", str(port)),
            *("--log-level", "warning", "--workers", str(workers)),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        if process.poll() is not None:
            raise SystemExit(f"obs serve exited: {(folder / f'serve-{port}.log').read_text()[-2000:]}")
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)
        log.close()


def _request(port: int, body: bytes) -> bytes:
    return (
        f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _client(port: int, requests: list[bytes], start: asyncio.Event) -> tuple[list[float], int]:
    """One keep-alive HTTP/1.1 connection posting `requests` one after another."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    latencies, failed = [], 0
    await start.wait()
    for request in requests:
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        failed += head[9:12] != b"200"
    writer.close()
    return latencies, failed


async def _post_concurrently(port: int, shares: list[list[bytes]]) -> tuple[float, list[float], int]:
    start = asyncio.Event()
    clients = [asyncio.create_task(_client(port, share, start)) for share in shares]
    await asyncio.sleep(0.05)  # every connection is open before the clock starts
    started = time.perf_counter()
    start.set()
    results = await asyncio.gather(*clients)
    seconds = time.perf_counter() - started
    latencies = sorted(latency for mine, _ in results for latency in mine)
    return seconds, latencies, sum(failed for _, failed in results)


def post_all(port: int, bodies: list[bytes]) -> tuple[float, list[float], int, float]:
    """Send `bodies` over CLIENTS keep-alive connections at once.

    Returns (seconds, sorted latencies, non-200 answers, client CPU seconds). The client is raw
    asyncio HTTP/1.1 with the requests encoded beforehand, so it takes little of the CPU the
    service and PostgreSQL share with it (http.client cost about as much CPU as the service).
    """
    shares = [[_request(port, body) for body in bodies[i::CLIENTS]] for i in range(CLIENTS)]
    cpu_before = time.process_time()
    seconds, latencies, failed = asyncio.run(_post_concurrently(port, shares))
    return seconds, latencies, failed, time.process_time() - cpu_before


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's workers when serving with --workers)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += process_tree(int(child))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of the service: the sum over its processes."""
    total = 0
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU the service's processes have used so far."""
    total = 0
    for member in process_tree(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(database: str | None) -> float:
    """User + system CPU of the PostgreSQL backends serving `database` (0 for SQLite)."""
    if database is None:
        return 0.0
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
            if command.startswith(b"postgres:") and f" {database} ".encode() in command:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError):
            continue  # not a process, or one that just exited
    return total / os.sysconf("SC_CLK_TCK")


def run_backend(
    name: str, database_url: str, folder: Path, single: int, big: int, workers: int = 1
) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(minutes=5)
    run = uuid.uuid4().hex[:6]
    database = make_url(database_url).database if database_url.startswith("postgresql") else None
    with service(database_url, folder, workers) as (port, pid):
        warmup = [notification(f"Warm{run}{i % 50}", [f"w{run}{i}"], start) for i in range(200)]
        post_all(port, warmup)
        # Single-alert notifications: each fires a new alert in one of 500 groups (the first 500
        # open incidents, the rest join an open one).
        singles = [notification(f"Single{run}{i % 500}", [f"s{run}{i}"], start) for i in range(single)]
        cpu_before, postgres_before = cpu_seconds(pid), postgres_cpu_seconds(database)
        seconds, latencies, failed, client_cpu = post_all(port, singles)
        cpu_single = (cpu_seconds(pid) - cpu_before) / single
        postgres_single = (postgres_cpu_seconds(database) - postgres_before) / single
        figures: dict[str, Any] = {
            "backend": name,
            "notifications_per_s": single / seconds,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "single_failures": failed,
            "server_cpu_ms": cpu_single * 1000,
            "client_cpu_ms": client_cpu / single * 1000,
            "postgres_cpu_ms": postgres_single * 1000,
        }
        if database is not None and workers == 1 and profiling.py_spy() is not None:
            # A second pass of the same kind, sampled by py-spy (the measured pass above is not)
            more = [notification(f"Single{run}{i % 500}", [f"p{run}{i}"], start) for i in range(single // 2)]
            figures["profile"] = profiling.profile_while(pid, lambda: post_all(port, more))
        # 100-alert notifications, each opening a group's incident with 100 children.
        batches = [
            notification(f"Batch{run}{i}", [f"b{run}{i}x{j}" for j in range(100)], start) for i in range(big)
        ]
        seconds, latencies, failed, _ = post_all(port, batches)
        figures |= {
            "alerts_per_s": big * 100 / seconds,
            "batch_p99_ms": percentile(latencies, 0.99) * 1000,
            "batch_failures": failed,
            "alerts_total": 200 + single + single // 2 * ("profile" in figures) + big * 100,
            "rss_mb": rss_mb(pid),
        }
    return figures


@contextmanager
def postgres_database(server_url: str) -> Iterator[str | None]:
    from sqlalchemy import create_engine, text

    server = make_url(server_url)
    name = f"obs_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL unavailable ({exc.__class__.__name__}): skipping it", file=sys.stderr)
        admin.dispose()
        yield None
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=4000, help="single-alert notifications to send")
    parser.add_argument("--batches", type=int, default=1000, help="100-alert notifications to send")
    parser.add_argument(
        "--workers", type=int, default=1, help="also run PostgreSQL with this many uvicorn workers (1: skip)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="obs-bench-") as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            results.append(
                run_backend("sqlite", f"sqlite:///{folder / 'bench.db'}", folder, args.single, args.batches)
            )
        if args.backend in ("postgresql", "both"):
            with postgres_database(os.environ.get("OBS_TEST_POSTGRES_URL", DEFAULT_POSTGRES)) as url:
                if url is not None:
                    results.append(run_backend("postgresql", url, folder, args.single, args.batches))
                    if args.workers > 1:
                        label = f"pg {args.workers}wrk"
                        results.append(
                            run_backend(label, url, folder, args.single, args.batches, args.workers)
                        )
    print(f"webhook ingest, {CLIENTS} concurrent keep-alive clients, obs serve (uvicorn) subprocess")
    print(GOALS)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'backend':<11} {'notif/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'alerts/s':>9} {'batch p99':>9} "
        f"{'RSS MB':>7} {'alerts':>7} {'errors':>6}   CPU ms per single notification:"
        f" {'server':>6} {'postgres':>8} {'client':>6}"
    )
    for r in results:
        print(
            f"{r['backend']:<11} {r['notifications_per_s']:>8.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
            f"{r['alerts_per_s']:>9.0f} {r['batch_p99_ms']:>9.1f} {r['rss_mb']:>7.0f} "
            f"{r['alerts_total']:>7} {r['single_failures'] + r['batch_failures']:>6}   {'':31}"
            f" {r['server_cpu_ms']:>6.2f} {r['postgres_cpu_ms']:>8.2f} {r['client_cpu_ms']:>6.2f}"
        )
        record(r)
    return 0


def record(r: dict[str, Any]) -> None:
    """The figures of one backend into bench/report.py; the goals are PostgreSQL's (production)."""
    backend = r["backend"]
    on_postgres = backend == "postgresql"

    def goal(bound: float) -> float | None:
        return bound if on_postgres else None

    figures = (
        ("single-alert notifications/s", r["notifications_per_s"], "/s", goal(750), None),
        ("single-alert p50 latency", r["p50_ms"], "ms", None, None),
        ("single-alert p99 latency", r["p99_ms"], "ms", None, goal(20)),
        ("alerts/s in 100-alert notifications", r["alerts_per_s"], "/s", goal(10_000), None),
        ("p99 per 100-alert notification", r["batch_p99_ms"], "ms", None, None),
        (f"service RSS after {r['alerts_total']:,} alerts", r["rss_mb"], "MB", None, 200),
        ("failed requests", r["single_failures"] + r["batch_failures"], "", None, 0),
        ("CPU per notification: service", r["server_cpu_ms"], "ms", None, None),
        ("CPU per notification: PostgreSQL", r["postgres_cpu_ms"], "ms", None, None),
        ("CPU per notification: client", r["client_cpu_ms"], "ms", None, None),
    )
    for name, value, unit, at_least, at_most in figures:
        report.record("ingest", f"{name} ({backend})", value, unit, at_least=at_least, at_most=at_most)
    if "profile" in r:
        report.record_profile(
            "ingest",
            f"obs serve, single-alert notifications ({backend})",
            r["profile"],
            note=_cpu_bound_note(r),
        )


def _cpu_bound_note(r: dict[str, Any]) -> str:
    """What the CPU per notification allows: every process here shares the machine's cores."""
    per_notification = r["server_cpu_ms"] + r["postgres_cpu_ms"] + r["client_cpu_ms"]
    cores = os.cpu_count() or 1
    return (
        f"server {r['server_cpu_ms']:.2f} ms + PostgreSQL {r['postgres_cpu_ms']:.2f} ms + client "
        f"{r['client_cpu_ms']:.2f} ms of CPU per notification on {cores} cores caps the rate near "
        f"{1000 * cores / max(0.01, per_notification):.0f}/s, and one uvicorn worker uses one core at most "
        f"({1000 / max(0.01, r['server_cpu_ms']):.0f}/s)"
    )


if __name__ == "__main__":
    sys.exit(main())
