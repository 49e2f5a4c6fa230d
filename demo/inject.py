"""Faults injected into a running stack (found through its state.json), and healing them."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .choices import FAULTS
from .stack import STATE_FILE

DEPENDENCY_ERROR_RATIO = 0.5
DEPENDENCY_LATENCY_SECONDS = 3.0
API_ERROR_RATIO = 0.5


class FaultError(RuntimeError):
    """The fault could not be applied (unknown kind, no running stack)."""


@dataclass(frozen=True)
class RunningStack:
    """What state.json says about a running stack: each component's URL and PID."""

    components: Mapping[str, Mapping[str, Any]]

    @classmethod
    def load(cls, run_dir: Path) -> RunningStack:
        path = run_dir / STATE_FILE
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FaultError(f"no running demo: {path} does not exist (start it with `obs demo`)") from None
        return cls(state["components"])

    def url(self, name: str) -> str:
        return str(self.components[name]["url"])

    def pid(self, name: str) -> int:
        return int(self.components[name]["pid"])


def inject(stack: RunningStack, kind: str) -> str:
    """Apply one fault; return a line saying what was done."""
    if kind == "dependency-errors":
        _set_faults(stack.url("embedding-api"), error_ratio=DEPENDENCY_ERROR_RATIO)
    elif kind == "dependency-latency":
        _set_faults(stack.url("embedding-api"), latency_seconds=DEPENDENCY_LATENCY_SECONDS)
    elif kind == "dependency-outage":
        _set_faults(stack.url("embedding-api"), outage=True)
    elif kind == "worker-stop":
        _signal(stack.pid("worker"), signal.SIGSTOP)
    elif kind == "api-errors":
        _set_faults(stack.url("api"), error_ratio=API_ERROR_RATIO)
    else:
        raise FaultError(f"unknown fault {kind!r}; choose from {', '.join(FAULTS)}")
    return f"injected {kind}: {FAULTS[kind]}"


def heal(stack: RunningStack, kind: str | None = None) -> str:
    """Remove one fault, or all of them."""
    if kind is not None and kind not in FAULTS:
        raise FaultError(f"unknown fault {kind!r}; choose from {', '.join(FAULTS)}")
    if kind in (None, "dependency-errors"):
        _set_faults(stack.url("embedding-api"), error_ratio=0.0)
    if kind in (None, "dependency-latency"):
        _set_faults(stack.url("embedding-api"), latency_seconds=0.0)
    if kind in (None, "dependency-outage"):
        _set_faults(stack.url("embedding-api"), outage=False)
    if kind in (None, "worker-stop"):
        _signal(stack.pid("worker"), signal.SIGCONT)
    if kind in (None, "api-errors"):
        _set_faults(stack.url("api"), error_ratio=0.0)
    return f"healed {kind or 'every fault'}"


def _set_faults(url: str, **knobs: object) -> None:
    try:
        response = httpx.post(f"{url}/faults", json=knobs, timeout=5.0)
    except httpx.HTTPError as exc:
        raise FaultError(f"cannot reach {url}/faults: {type(exc).__name__}") from exc
    if not response.is_success:
        raise FaultError(f"{url}/faults answered {response.status_code}: {response.text}")


def _signal(pid: int, signum: signal.Signals) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        raise FaultError(f"process {pid} is gone; is the demo still running?") from None
