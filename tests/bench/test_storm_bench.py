"""bench/storm.py, small: it starts the HA topology, fires the storm and records every figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support import binary

pytestmark = pytest.mark.e2e


def test_the_storm_bench_records_its_figures_against_their_goals(
    postgres_server_url: str, tmp_path: Path
) -> None:
    for tool in ("haproxy", "prometheus-alertmanager"):
        binary(tool)
    results = tmp_path / "results.json"
    env = os.environ | {
        "OBS_BENCH_RESULTS": str(results),
        "OBS_TEST_POSTGRES_URL": postgres_server_url,
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "bench/storm.py", "--groups", "4", "--per-group", "25"]
    run = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    figures = {entry["figure"]: entry for entry in json.loads(results.read_text())["storm"]}
    assert figures["incidents created"]["value"] == 4
    assert (figures["incidents created"]["at_least"], figures["incidents created"]["at_most"]) == (4, 4)
    assert figures["alerts stored"]["value"] == 100
    assert figures["duplicate pages"]["value"] == 0 and figures["duplicate pages"]["at_most"] == 0
    assert 0 < figures["seconds from firing to every alert stored"]["value"] <= 90
    assert 0 < figures["seconds from firing to every incident paged"]["value"] <= 90
    sent = figures["webhook notifications the peers sent"]["value"]
    assert sent >= 4 and figures["webhook notifications the replicas answered 200"]["value"] >= 4
    assert "incidents created: 4" in run.stdout
