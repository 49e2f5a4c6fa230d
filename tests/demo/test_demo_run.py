"""`obs demo` for real: ports from OBS_DEMO_PORTS, nobody paged on start, its database dropped on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from demo.choices import COMPONENTS
from tests.conftest import REPO_ROOT
from tests.support import binary, free_port

pytestmark = pytest.mark.e2e

QUIET_SECONDS = 30  # the fast profile's target-down alerts wait 20 s; a page would come by then


def consecutive_free_ports(count: int) -> int:
    for _ in range(20):
        base = free_port()
        if base + count > 65535:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no run of free ports")


def database_exists(server_url: str, name: str) -> bool:
    engine = create_engine(server_url)
    try:
        with engine.connect() as conn:
            return (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is not None
            )
    finally:
        engine.dispose()


def test_demo_takes_its_ports_pages_nobody_and_drops_its_database_on_ctrl_c(
    postgres_server_url: str, tmp_path: Path
) -> None:
    for name in (
        "prometheus",
        "prometheus-alertmanager",
        "prometheus-node-exporter",
        "prometheus-postgres-exporter",
    ):
        binary(name)
    base = consecutive_free_ports(len(COMPONENTS))
    database = f"obs_demo_{uuid.uuid4().hex[:10]}"
    command = [sys.executable, "-m", "observability.cli", "demo", "--run-dir", str(tmp_path / "run")]
    command += ["--postgres-url", postgres_server_url, "--database", database, "--traffic-rate", "2"]
    env = {**os.environ, "OBS_DEMO_PORTS": str(base), "PYTHONPATH": str(REPO_ROOT)}
    log = (tmp_path / "demo.out").open("w+")
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    try:
        urls = wait_for_urls(process, tmp_path / "demo.out")
        assert urls == {name: f"http://127.0.0.1:{base + i}" for i, name in enumerate(COMPONENTS)}
        assert database_exists(postgres_server_url, database)
        token = (tmp_path / "run" / "api-token").read_text(encoding="utf-8").strip()
        api = httpx.Client(base_url=urls["incident-service"], headers={"Authorization": f"Bearer {token}"})
        time.sleep(QUIET_SECONDS)  # a live process on its wall clock: nothing to drive faster
        incidents = api.get("/api/v1/incidents", params={"limit": 100}).json()["items"]
        # critical pages; a warning (this busy machine's CPU) is a ticket
        paged = [i["title"] for i in incidents if i["severity"] == "critical"]
        assert not paged, f"paged on start: {paged}"
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0, (tmp_path / "demo.out").read_text()
        assert not database_exists(postgres_server_url, database)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)
        log.close()


def wait_for_urls(process: subprocess.Popen[str], output: Path) -> dict[str, str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text_so_far = output.read_text(encoding="utf-8")
        if "# logs in" in text_so_far:
            lines = [line.split(" ", 1) for line in text_so_far.splitlines() if not line.startswith("#")]
            return {parts[0]: parts[1] for parts in lines if len(parts) == 2 and parts[0] in COMPONENTS}
        assert process.poll() is None, f"obs demo exited: {text_so_far[-2000:]}"
        time.sleep(0.5)
    raise AssertionError(f"obs demo did not start in 120 s: {output.read_text()[-2000:]}")
