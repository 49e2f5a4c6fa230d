"""The committed rules and their unit tests, run through the real promtool."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from observability.ascode import output
from observability.ascode.rules import render_rules
from tests.alerts.rule_files import GENERATED, UNIT_TESTS, alert_rules, load, rule_files, unit_test_files
from tests.conftest import REPO_ROOT
from tests.support import binary

pytestmark = pytest.mark.e2e


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary("promtool"), *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def unit_test_runs() -> Iterator[dict[str, tuple[int, str]]]:
    """`promtool test rules` on every test file, all at once: the suite's slowest part, run in parallel."""
    tool = binary("promtool")
    running = {
        path.name: subprocess.Popen(
            [tool, "test", "rules", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for path in unit_test_files()
    }
    try:
        yield {name: (proc.wait(timeout=120), proc.communicate()[0]) for name, proc in running.items()}
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_promtool_accepts_every_committed_rule_file_with_at_least_25_alerts() -> None:
    result = promtool("check", "rules", *rule_files())
    assert result.returncode == 0, result.stdout + result.stderr
    found = sum(int(n) for n in re.findall(r"SUCCESS: (\d+) rules found", result.stdout + result.stderr))
    parsed = [rule for path in rule_files() for group in load(path)["groups"] for rule in group["rules"]]
    assert found == len(parsed)
    assert len(alert_rules()) >= 25
    assert len({rule["alert"] for rule in alert_rules()}) >= 25


@pytest.mark.parametrize("test_file", [path.name for path in unit_test_files()])
def test_promtool_unit_tests_pass(test_file: str, unit_test_runs: dict[str, tuple[int, str]]) -> None:
    returncode, text = unit_test_runs[test_file]
    assert returncode == 0, text
    assert "SUCCESS" in text


@pytest.mark.parametrize(
    ("threshold", "new", "failing_test"),
    [
        ("> 0.05", "> 0.5", "PlatformApiHighErrorRatio fires at 10% of requests answered 5xx"),
        ("> 0.05", "> 0.01", "PlatformApiHighErrorRatio stays silent at 4% of requests answered 5xx"),
    ],
)
def test_unit_tests_catch_a_wrong_threshold_in_either_direction(
    tmp_path: Path, threshold: str, new: str, failing_test: str
) -> None:
    shutil.copytree(GENERATED, tmp_path / "generated")
    shutil.copytree(UNIT_TESTS, tmp_path / "tests")
    rules = tmp_path / "generated" / "api.rules.yml"
    text = rules.read_text()
    assert text.count(threshold) == 1
    rules.write_text(text.replace(threshold, new))
    result = promtool("test", "rules", tmp_path / "tests" / "api.test.yml")
    assert result.returncode != 0
    assert failing_test in result.stdout + result.stderr


def test_fast_profile_renders_rules_promtool_accepts(tmp_path: Path) -> None:
    rendered = render_rules(REPO_ROOT, profile="fast")
    output.write(rendered, tmp_path)
    files = sorted((tmp_path / "alerts" / "generated").glob("*.rules.yml"))
    assert [path.name for path in files] == [path.name for path in rule_files()]
    result = promtool("check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
