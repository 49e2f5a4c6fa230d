"""`obs check` on a copy of the repository's content, broken on purpose one way at a time.

Each test compares against the intact copy (the baseline), so it proves that the breakage itself
makes the lint fail and that the message names the file and the item.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from observability.cli import main
from tests.support import binary

CONTENT_FOLDERS = ("alerts", "dashboards", "runbooks")
SKIP_PROMTOOL = "--skip-promtool"

Check = Callable[..., tuple[int, list[str]]]


@pytest.fixture(scope="module")
def pristine(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the content folders, never modified; tests copy it again before breaking it."""
    copy = tmp_path_factory.mktemp("pristine")
    for folder in CONTENT_FOLDERS:
        shutil.copytree(repo_root / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(pristine, copy)
    return copy


@pytest.fixture
def check(capsys: pytest.CaptureFixture[str]) -> Check:
    def run(root: Path, *args: str) -> tuple[int, list[str]]:
        capsys.readouterr()
        code = main(["check", "--root", str(root), *args])
        return code, capsys.readouterr().out.splitlines()

    return run


@pytest.fixture(scope="module")
def baseline(pristine: Path) -> set[str]:
    """The problem lines of the intact copy (none once the content is complete)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "--root", str(pristine), SKIP_PROMTOOL])
    return set(out.getvalue().splitlines()[:-1])


def new_problems(check: Check, root: Path, baseline: set[str]) -> list[str]:
    """Run the lint on a broken copy: it must fail, and return what it reports beyond the baseline."""
    code, lines = check(root, SKIP_PROMTOOL)
    assert code == 1, "\n".join(lines)
    return [line for line in lines[:-1] if line not in baseline and not line.startswith("    ")]


def append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + code, encoding="utf-8")


def assert_reported(lines: list[str], pattern: str) -> None:
    assert any(re.fullmatch(pattern, line) for line in lines), (
        f"no line matches {pattern!r} in:\n" + "\n".join(lines)
    )


def test_misspelt_metric_in_an_alert_definition_names_the_file_and_alert(
    repo: Path, check: Check, baseline: set[str]
) -> None:
    append(
        repo / "alerts" / "api.py",
        "from observability.ascode.rules import AlertRule as _AlertRule\n"
        "from observability.catalog import names as _names, platform as _platform\n"
        "RULES = [*RULES, _AlertRule(name='PlatformApiTypo', expr='sum(rate(http_requests_totl[5m])) > 1',\n"
        "    severity=_names.WARNING, service=_platform.API, summary='Typo.', description='Typo.',\n"
        "    runbook='api-errors')]\n",
    )
    lines = new_problems(check, repo, baseline)
    assert_reported(
        lines,
        r"alerts/api\.py: PlatformApiTypo: uses metric 'http_requests_totl', .*"
        r"\(did you mean 'http_requests_total'\?\)",
    )


def test_misspelt_metric_in_a_dashboard_names_the_file_and_panel(
    repo: Path, check: Check, baseline: set[str]
) -> None:
    append(
        repo / "dashboards" / "api.dashboard.py",
        "import attr as _attr\n"
        "from grafanalib.core import GridPos as _GridPos, Target as _Target, TimeSeries as _TimeSeries\n"
        "dashboard = _attr.evolve(dashboard, panels=[*dashboard.panels, _TimeSeries(title='Typo', id=990,\n"
        "    targets=[_Target(expr='sum(rate(http_request_duration_seconds_buckets[5m]))')],\n"
        "    gridPos=_GridPos(h=8, w=24, x=0, y=1000))])\n",
    )
    lines = new_problems(check, repo, baseline)
    assert_reported(
        lines,
        r"dashboards/api\.dashboard\.py: panel 'Typo' \(id 990\): "
        r"uses metric 'http_request_duration_seconds_buckets', .*",
    )


def test_missing_runbook_file_names_the_alert_linking_to_it(
    repo: Path, check: Check, baseline: set[str]
) -> None:
    (repo / "runbooks" / "api-down.md").unlink()
    lines = new_problems(check, repo, baseline)
    assert_reported(lines, r"alerts/api\.py: PlatformApiDown: runbook_url \S+/api-down points nowhere: .*")


def test_runbook_missing_a_section_is_named(repo: Path, check: Check, baseline: set[str]) -> None:
    runbook = repo / "runbooks" / "api-errors.md"
    text = runbook.read_text(encoding="utf-8")
    without_impact = re.sub(r"^## Impact\n.*?(?=^## )", "", text, flags=re.S | re.M)
    assert without_impact != text
    runbook.write_text(without_impact, encoding="utf-8")
    lines = new_problems(check, repo, baseline)
    assert lines == ["runbooks/api-errors.md: sections: missing section `## Impact`"]


def test_a_runbook_named_search_is_refused_as_the_search_page_would_hide_it(
    repo: Path, check: Check, baseline: set[str]
) -> None:
    (repo / "runbooks" / "api-errors.md").rename(repo / "runbooks" / "search.md")
    lines = new_problems(check, repo, baseline)
    assert_reported(
        lines,
        r"runbooks/search\.md: file name: slug 'search' is reserved: "
        r"the site serves its own /runbooks/search, .*",
    )


def test_dashboard_definition_taking_another_dashboards_uid_is_named(
    repo: Path, check: Check, baseline: set[str]
) -> None:
    append(
        repo / "dashboards" / "worker.dashboard.py",
        "import attr\ndashboard = attr.evolve(dashboard, uid='obs-api')\n",
    )
    lines = new_problems(check, repo, baseline)
    assert_reported(lines, r"dashboards/worker\.dashboard\.py: generator: uid is 'obs-api' .*")


def test_generated_dashboards_sharing_a_uid_are_named(repo: Path, check: Check, baseline: set[str]) -> None:
    generated = repo / "dashboards" / "generated" / "worker.json"
    generated.write_text(
        generated.read_text(encoding="utf-8").replace('"uid": "obs-worker"', '"uid": "obs-api"'),
        encoding="utf-8",
    )
    lines = new_problems(check, repo, baseline)
    assert_reported(
        lines,
        r"dashboards/generated/worker\.json: uid obs-api: "
        r"uid 'obs-api' is also used by dashboards/generated/api\.json",
    )
    assert_reported(lines, r"dashboards/generated/worker\.json: generated file: stale .*")


def test_overlapping_panels_are_named(repo: Path, check: Check, baseline: set[str]) -> None:
    append(
        repo / "dashboards" / "api.dashboard.py",
        "import attr as _attr\n"
        "_first = next(p for p in dashboard.panels if getattr(p, 'type', '') != 'row' and p.gridPos.w < 24)\n"
        "dashboard = _attr.evolve(dashboard, panels=[*dashboard.panels,\n"
        "    _attr.evolve(_first, id=991, title='Overlapping')])\n",
    )
    lines = new_problems(check, repo, baseline)
    assert_reported(
        lines, r"dashboards/api\.dashboard\.py: panel 'Overlapping' \(id 991\): overlaps panel .*"
    )


def test_hand_edited_generated_rule_file_is_stale(repo: Path, check: Check, baseline: set[str]) -> None:
    append(repo / "alerts" / "generated" / "api.rules.yml", "# tuned by hand\n")
    lines = new_problems(check, repo, baseline)
    assert lines == [
        "alerts/generated/api.rules.yml: generated file: stale (edited by hand or not regenerated); "
        "run `make generate`"
    ]


def test_missing_and_extra_generated_files_are_named(repo: Path, check: Check, baseline: set[str]) -> None:
    (repo / "alerts" / "generated" / "node.rules.yml").unlink()
    (repo / "dashboards" / "generated" / "old.json").write_text("{}", encoding="utf-8")
    lines = new_problems(check, repo, baseline)
    assert_reported(lines, r"alerts/generated/node\.rules\.yml: generated file: missing; .*")
    assert_reported(
        lines, r"dashboards/generated/old\.json: generated file: not produced by the generator; .*"
    )


def test_dashboard_url_to_an_unknown_uid_points_nowhere(repo: Path, check: Check, baseline: set[str]) -> None:
    rules = repo / "alerts" / "generated" / "api.rules.yml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("/d/obs-api", "/d/obs-apii"), encoding="utf-8")
    lines = new_problems(check, repo, baseline)
    assert_reported(
        lines,
        r"alerts/generated/api\.rules\.yml: PlatformApiDown: dashboard_url \S+/d/obs-apii points nowhere: "
        r"no generated dashboard has uid 'obs-apii'",
    )


def test_failing_promtool_unit_test_is_reported_with_its_output(repo: Path, check: Check) -> None:
    binary("promtool")
    for slow in (repo / "alerts" / "tests").glob("*.test.yml"):
        slow.unlink()  # the real suites take seconds; this test is about reporting one failure
    (repo / "alerts" / "tests" / "zz-broken.test.yml").write_text(
        "rule_files: [../generated/api.rules.yml]\n"
        "evaluation_interval: 1m\n"
        "tests:\n"
        "  - interval: 1m\n"
        "    input_series:\n"
        '      - series: \'up{job="api", instance="api-1"}\'\n'
        "        values: '0x10'\n"
        "    alert_rule_test:\n"
        "      - eval_time: 10m\n"
        "        alertname: PlatformApiDown\n"
        "        exp_alerts: []\n",
        encoding="utf-8",
    )
    code, lines = check(repo)
    assert code == 1
    index = lines.index("alerts/tests/zz-broken.test.yml: promtool test rules: failed (exit 1)")
    assert "PlatformApiDown" in "\n".join(lines[index + 1 :])


def test_the_repository_passes_obs_check_with_promtool(repo_root: Path, check: Check) -> None:
    binary("promtool")
    code, lines = check(repo_root)
    assert code == 0, "\n".join(lines)
    assert re.fullmatch(
        r"obs check: \d+ alerts, .* promtool check\+test rules passed \(\d+\.\d+s\)", lines[-1]
    )


def test_dashboard_definition_that_crashes_is_named(repo: Path, check: Check, baseline: set[str]) -> None:
    append(repo / "dashboards" / "api.dashboard.py", "raise RuntimeError('half-edited')\n")
    lines = new_problems(check, repo, baseline)
    assert_reported(lines, r"dashboards/api\.dashboard\.py: generator: .*RuntimeError: half-edited")


def test_root_that_is_not_a_directory_is_refused(tmp_path: Path, check: Check) -> None:
    code, lines = check(tmp_path / "nowhere")
    assert code == 2
    assert lines == [f"obs check: --root {tmp_path / 'nowhere'}: not a directory"]
