"""Escalation engines as real processes (`obs escalation run`), and a small fast matrix for them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

READY = "firing due steps"


def write_fast_matrix(
    path: Path, delays: list[str], *, repeat: int = 0, repeat_every: str | None = None
) -> Path:
    """A one-file matrix whose default policy pages a rotation at `delays` (seconds, not minutes)."""
    policy: dict[str, object] = {
        "id": "fast",
        "steps": [{"delay": delay, "targets": [{"rotation": "ops"}]} for delay in delays],
        "repeat": repeat,
    }
    if repeat_every:
        policy["repeat_every"] = repeat_every
    document = {
        "people": [
            {
                "id": p,
                "name": p.title(),
                "slack_user_id": f"U{p.upper()}1",
                "email": f"{p}@example.com",
                "timezone": "Europe/Berlin",
            }
            for p in ("ada", "bob")
        ],
        "rotations": [
            {
                "id": "ops",
                "members": ["ada", "bob"],
                "shift": "daily",
                "handoff": "09:00",
                "timezone": "Europe/Berlin",
                "start": "2026-01-01",
            }
        ],
        "policies": [policy],
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


class EngineProcess:
    """One `obs escalation run` process on `database_url`; stopped by PID."""

    def __init__(self, database_url: str, matrix: Path, log: Path) -> None:
        env = os.environ | {
            "OBS_DATABASE_URL": database_url,
            "OBS_ESCALATION_MATRIX": str(matrix),
            "OBS_ESCALATION_TICK_SECONDS": "1",
        }
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "observability.cli", "escalation", "run"],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY in self.log.read_text():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"engine exited {self.process.returncode}:\n{self.log.read_text()}")
            time.sleep(0.05)
        raise AssertionError(f"engine not ready after {timeout}s:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever, as in a crash."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._log_file.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._log_file.close()
