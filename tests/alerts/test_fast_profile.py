"""The fast profile's purpose: with 1 s scrapes and evaluations, alerts fire within seconds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from observability.ascode import output
from observability.ascode.rules import render_rules
from tests.conftest import REPO_ROOT
from tests.support import binary

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).parent / "data" / "fast-profile.test.yml"


def test_fast_profile_fires_error_and_burn_rate_alerts_within_20_seconds(tmp_path: Path) -> None:
    output.write(render_rules(REPO_ROOT, profile="fast"), tmp_path)
    test_file = tmp_path / SCENARIO.name
    shutil.copy(SCENARIO, test_file)
    result = subprocess.run(
        [binary("promtool"), "test", "rules", str(test_file)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_same_scenario_is_still_silent_at_20_seconds_in_production(tmp_path: Path) -> None:
    output.write(render_rules(REPO_ROOT, profile="production"), tmp_path)
    test_file = tmp_path / SCENARIO.name
    shutil.copy(SCENARIO, test_file)
    result = subprocess.run(
        [binary("promtool"), "test", "rules", str(test_file)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    report = "".join((result.stdout + result.stderr).split())
    assert report.count("got:[]") == 2  # both checks at 20 s: nothing fires yet in production
