"""Fault to card: the whole-loop live test (tests/live/test_whole_loop.py) run once, its times recorded.

The test injects a dependency outage into the demo stack and follows it to the fake Slack's card,
the page and the resolved card; with OBS_BENCH_RESULTS set it records those times through
`report.record` (bench "fault_to_card"). Needs what the live tests need: the Prometheus and
Alertmanager binaries and PostgreSQL (OBS_TEST_POSTGRES_URL, default the local test server). Never
asserts on the times.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import report

REPO = Path(__file__).resolve().parents[1]
TEST = "tests/live/test_whole_loop.py"


def main() -> int:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "OBS_BENCH_RESULTS": str(report.results_path()),
        "OBS_REQUIRE_E2E": "1",
        "OBS_TEST_POSTGRES_URL": os.environ.get("OBS_TEST_POSTGRES_URL", report.DEFAULT_POSTGRES),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST]
    return subprocess.run(command, cwd=REPO, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
