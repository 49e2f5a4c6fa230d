"""The fast profile's purpose: with 1 s scrapes and evaluations, alerts fire within seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alerts.rule_files import promtool_scenario

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).parent / "data" / "fast-profile.test.yml"


def test_fast_profile_fires_error_and_burn_rate_alerts_within_20_seconds(tmp_path: Path) -> None:
    result = promtool_scenario(SCENARIO, tmp_path, "fast")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_same_scenario_is_still_silent_at_20_seconds_in_production(tmp_path: Path) -> None:
    result = promtool_scenario(SCENARIO, tmp_path, "production")
    assert result.returncode != 0
    report = "".join((result.stdout + result.stderr).split())
    assert report.count("got:[]") == 2  # both checks at 20 s: nothing fires yet in production
