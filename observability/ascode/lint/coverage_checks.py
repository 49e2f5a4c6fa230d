"""Checks that the promtool unit tests exercise every alert both ways: firing, and silent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml

from .alert_checks import WATCHDOG
from .content import Rule
from .problem import Problem
from .promtool import TESTS_DIR, test_files
from .yaml_cache import load_yaml

_WHERE = {"fires": "fires", "silent": "stays silent"}


def tested_alerts(root: Path) -> tuple[dict[str, set[str]], list[Problem]]:
    """For each alert name, the outcomes its tests expect ("fires", "silent"); plus unreadable files."""
    outcomes: dict[str, set[str]] = defaultdict(set)
    problems = []
    for path in test_files(root):
        relative = path.relative_to(root).as_posix()
        try:
            document = load_yaml(path.read_text(encoding="utf-8")) or {}
            for test in document.get("tests") or []:
                for case in test.get("alert_rule_test") or []:
                    outcomes[str(case["alertname"])].add("fires" if case.get("exp_alerts") else "silent")
        except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
            problems.append(Problem(relative, "structure", f"cannot be read: {type(exc).__name__}: {exc}"))
    return outcomes, problems


def check_alert_test_coverage(alerts: Iterable[Rule], root: Path) -> list[Problem]:
    """Each alert has a test where it fires and one where it stays silent (the Watchdog always fires)."""
    outcomes, problems = tested_alerts(root)
    for alert in alerts:
        required = ("fires",) if alert.name == WATCHDOG else tuple(_WHERE)
        missing = [_WHERE[outcome] for outcome in required if outcome not in outcomes.get(alert.name, set())]
        if missing:
            problems.append(
                Problem(
                    alert.file,
                    alert.name,
                    f"the promtool tests in {TESTS_DIR}/ lack a case where it "
                    + " and one where it ".join(missing),
                )
            )
    return problems
