"""Test plumbing shared by every suite: real binaries, free ports, the e2e rule."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

REQUIRE_E2E = os.environ.get("OBS_REQUIRE_E2E") == "1"


def unavailable(reason: str) -> None:
    """Skip on a developer machine; fail under OBS_REQUIRE_E2E=1 (CI), where nothing may skip."""
    if REQUIRE_E2E:
        pytest.fail(f"required for CI (OBS_REQUIRE_E2E=1) but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def binary(name: str) -> str:
    """Absolute path of a real tool (promtool, prometheus, …) or skip/fail."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} not on PATH (make tools installs it)")
    assert path is not None
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
