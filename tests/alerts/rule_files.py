"""Reading the committed rule files and promtool unit tests as plain data, for the alert suites."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from observability.ascode import output
from observability.ascode.rules import render_rules
from tests.conftest import REPO_ROOT
from tests.support import binary

GENERATED = REPO_ROOT / "alerts" / "generated"
UNIT_TESTS = REPO_ROOT / "alerts" / "tests"


def rule_files() -> list[Path]:
    return sorted(GENERATED.glob("*.rules.yml"))


def unit_test_files() -> list[Path]:
    return sorted(UNIT_TESTS.glob("*.test.yml"))


@cache
def load(path: Path) -> Any:
    """Parsed YAML, cached: the suites read the same large test files many times (treat as read-only)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def alert_rules() -> list[dict[str, Any]]:
    """Every alerting rule in the committed generated files."""
    return [
        rule
        for path in rule_files()
        for group in load(path)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def alert_expectations() -> list[tuple[str, str, str, list[dict[str, Any]]]]:
    """(test file, eval_time, alertname, exp_alerts) for every alert_rule_test in alerts/tests."""
    found = []
    for path in unit_test_files():
        for case in load(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                found.append(
                    (path.name, str(check["eval_time"]), check["alertname"], check.get("exp_alerts") or [])
                )
    return found


def promtool_scenario(scenario: Path, folder: Path, profile: str) -> subprocess.CompletedProcess[str]:
    """`promtool test rules` of `scenario` next to the rules freshly rendered in `profile` under `folder`."""
    output.write(render_rules(REPO_ROOT, profile=profile), folder)
    test_file = folder / scenario.name
    shutil.copy(scenario, test_file)
    return subprocess.run(
        [binary("promtool"), "test", "rules", str(test_file)], capture_output=True, text=True, timeout=60
    )
