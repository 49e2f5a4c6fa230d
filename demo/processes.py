"""Child processes of the stack: start with a log file, wait until ready, stop by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

STOP_GRACE_SECONDS = 5.0


class ComponentFailed(RuntimeError):
    """A component exited or never became ready; the message ends with its log's tail."""


@dataclass
class Component:
    """One started process: its name, URL (if it serves HTTP) and log file."""

    name: str
    url: str | None
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_dir: Path,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Component:
    """Start `argv` in its own session (Ctrl-C reaches only the parent), output to <log_dir>/<name>.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    return Component(name, url, process, log_path)


def wait_ready(component: Component, path: str, *, timeout: float = 30.0) -> None:
    """Poll `url + path` until it answers 2xx; fail early if the process exits."""
    assert component.url is not None, f"{component.name} serves no URL"
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if component.process.poll() is not None:
            raise ComponentFailed(
                f"{component.name} exited with {component.process.returncode}:\n{component.log_tail()}"
            )
        try:
            response = httpx.get(component.url + path, timeout=2.0)
            if response.is_success:
                return
            last_error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last_error = type(exc).__name__
        time.sleep(0.1)
    raise ComponentFailed(
        f"{component.name} not ready at {component.url}{path} ({last_error}):\n{component.log_tail()}"
    )


def stop_all(components: Sequence[Component]) -> None:
    """SIGTERM every component by PID (SIGCONT first: a paused one cannot exit), then SIGKILL stragglers."""
    for component in components:
        if component.process.poll() is None:
            _signal(component.pid, signal.SIGCONT)
            _signal(component.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for component in components:
        try:
            component.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _signal(component.pid, signal.SIGKILL)
            component.process.wait(timeout=5)


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
