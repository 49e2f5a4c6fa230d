"""bench/instrument.py in a tiny configuration: every stack measured, every figure recorded (no timings)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
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


@pytest.fixture
def bench_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """bench/ on the path, as when a bench script runs (its modules import `report`, `overhead`)."""
    monkeypatch.syspath_prepend(str(REPO_ROOT / "bench"))
    yield
    bench = str(REPO_ROOT / "bench")
    for name, module in list(sys.modules.items()):  # leave no bench module behind for other tests
        if (getattr(module, "__file__", None) or "").startswith(bench):
            del sys.modules[name]


def test_each_app_is_paired_with_the_bare_app_of_the_same_round(bench_modules: None) -> None:
    from overhead.rounds import paired

    figures = paired({"bare": [100, 110, 90], "app": [150, 150, 100]}, baseline="bare")

    assert figures["app"].cpu_us == 150
    assert figures["app"].added_us == 40  # the round differences are 50, 40 and 10
    assert figures["app"].throughput_cost == pytest.approx((1 - 110 / 150) * 100)  # of 33.3, 26.7, 10
    assert figures["bare"].added_us == 0


def test_a_goal_the_project_misses_is_named_for_its_profile(bench_modules: None) -> None:
    import instrument
    from overhead.rounds import Paired

    def figure(added_us: float, throughput_cost: float = 0.0) -> Paired:
        return Paired(100 + added_us, added_us, (added_us, added_us), throughput_cost)

    results = {
        "project, 100% sampled": figure(90),
        "community, 100% sampled": figure(80),  # cheaper than the project: missed
        "project, 10% sampled": figure(30, throughput_cost=12),  # over 10 %: missed on the platform API
        "community, 10% sampled": figure(300),
    }
    workload = instrument.trivial()

    assert instrument.missed_goals(workload, results, is_database=False) == [
        (1.0, "added CPU at 100% sampled not below the community stack's")
    ]
    assert instrument.missed_goals(workload, results, is_database=True) == [
        (1.0, "added CPU at 100% sampled not below the community stack's"),
        (0.1, "throughput cost over 10 % at 10% sampled"),
    ]
