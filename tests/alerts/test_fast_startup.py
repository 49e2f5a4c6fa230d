"""The fast profile pages nobody while Prometheus is starting, and still finds a target that is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from observability.ascode.rules import FAST
from tests.alerts.rule_files import promtool_scenario

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).parent / "data" / "fast-startup.test.yml"


def test_target_down_alerts_outlast_prometheus_starting_in_the_fast_profile(tmp_path: Path) -> None:
    result = promtool_scenario(SCENARIO, tmp_path, "fast")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_discovery_floor_never_lengthens_a_production_for() -> None:
    assert FAST.for_duration("2m", waits_for_discovery=True) == "20s"
    assert FAST.for_duration("10s", waits_for_discovery=True) == "10s"
    assert FAST.for_duration("2m") == "2s"
