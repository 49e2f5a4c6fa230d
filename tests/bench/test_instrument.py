"""bench/instrument.py in a tiny configuration: every stack measured, every figure recorded (no timings)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "bench" / "instrument.py"
TINY = [
    "--rounds",
    "2",
    "--requests",
    "6",
    "--db-rounds",
    "2",
    "--db-requests",
    "4",
    "--warm-up",
    "4",
    "--seeded-jobs",
    "5",
]


@pytest.mark.e2e
def test_the_bench_measures_every_stack_on_both_workloads_and_records_the_goals(
    postgres_server_url: str, tmp_path: Path
) -> None:
    results = tmp_path / "results.json"
    environment = {
        **os.environ,
        "OBS_BENCH_RESULTS": str(results),
        "OBS_TEST_POSTGRES_URL": postgres_server_url,
        "PYTHONPATH": str(REPO_ROOT),
    }
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *TINY], env=environment, capture_output=True, text=True, timeout=240
    )
    assert run.returncode == 0, run.stderr[-3000:]

    figures = {entry["figure"]: entry for entry in json.loads(results.read_text())["instrument"]}
    for workload in ("trivial route", "platform API (PostgreSQL)"):
        assert f"bare CPU per request: {workload}" in figures
        for sampling, ratio_goal in (("100%", 1.0), ("10%", 1.0)):
            for stack in ("project", "community"):
                assert f"added CPU per request, {stack}, {sampling} sampled: {workload}" in figures
            ratio = figures[f"added CPU, project / community, {sampling} sampled: {workload}"]
            assert ratio["at_most"] == ratio_goal
    for stack in ("project", "community"):  # what the metrics cost alone, on the trivial route
        assert f"added CPU per request, {stack}, 0% sampled: trivial route" in figures
    throughput_goals = {
        name: entry["at_most"] for name, entry in figures.items() if name.startswith("throughput")
    }
    assert throughput_goals == {
        "throughput cost, project, 100% sampled: platform API (PostgreSQL)": None,
        "throughput cost, community, 100% sampled: platform API (PostgreSQL)": None,
        "throughput cost, project, 10% sampled: platform API (PostgreSQL)": 10.0,
        "throughput cost, community, 10% sampled: platform API (PostgreSQL)": None,
    }
    # a ratio may be n/a in so tiny a run (a stack measured cheaper than bare); the rest are numbers
    assert all(math.isfinite(entry["value"]) for name, entry in figures.items() if "/" not in name)
    assert "platform API (PostgreSQL): bare" in run.stdout

    database = re.search(r"PostgreSQL database (\w+) \(dropped after\)", run.stdout)
    assert database, run.stdout
    admin = create_engine(postgres_server_url)
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database[1]})
            assert found.first() is None, f"the bench left its database {database[1]} behind"
    finally:
        admin.dispose()
