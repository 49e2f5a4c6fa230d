"""Compose every check over one repository into a report: what was looked at, and what is wrong.

Two views are checked: the fresh renders (what the sources say; problems are named by the source
file to fix, e.g. `dashboards/api.dashboard.py`) and the committed generated files (what Grafana and
Prometheus are given; a hand edit shows up here). A problem the committed view shares with the
fresh one is reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from observability.ascode import output
from observability.ascode.kubernetes import GENERATED_DIR as KUBERNETES_DIR

from . import alert_checks, dashboard_checks, metric_checks, runbook_checks
from .content import DASHBOARDS_DIR, RULES_DIR, Content, parse_content
from .coverage_checks import check_alert_test_coverage
from .problem import Problem
from .promtool import run_promtool
from .render import committed, render_all
from .sources import source_of

GENERATED_DIRS = (DASHBOARDS_DIR, RULES_DIR, KUBERNETES_DIR)


@dataclass
class CheckReport:
    """The problems found, sorted, and counts of what was checked (for the one-line summary)."""

    problems: list[Problem] = field(default_factory=list)
    alerts: int = 0
    recording_rules: int = 0
    dashboards: int = 0
    panels: int = 0
    runbooks: int = 0
    promtool: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        tool = "promtool check+test rules passed" if self.promtool else "promtool skipped"
        return (
            f"obs check: {self.alerts} alerts, {self.recording_rules} recording rules, "
            f"{self.dashboards} dashboards ({self.panels} panels), {self.runbooks} runbooks consistent; "
            f"{tool}"
        )


def run_checks(root: Path, *, promtool: bool = True) -> CheckReport:
    """Render the generated content of `root` afresh and check it against itself and the repository."""
    root = root.resolve()
    renders = render_all(root)
    problems = list(renders.problems)
    fresh: dict[Path, str] = {}
    deployed: dict[Path, str] = {}
    for folder in GENERATED_DIRS:
        deployed.update(committed(root, folder))
        if folder in renders.by_folder:
            fresh.update(renders.by_folder[folder])
            problems += _freshness(renders.by_folder[folder], root, folder)
        else:
            fresh.update(committed(root, folder))  # the generator failed: still lint what is committed
    runbooks = runbook_checks.load(root)
    content = parse_content(fresh)
    from_sources = [_to_source(problem, root) for problem in _content_checks(content, root, runbooks)]
    seen = {(problem.item, problem.message) for problem in from_sources}
    from_committed = [
        problem
        for problem in _content_checks(parse_content(deployed), root, runbooks)
        if (problem.item, problem.message) not in seen
    ]
    problems += from_sources + from_committed
    problems += runbook_checks.check_runbook_contract(runbooks)
    problems += runbook_checks.check_runbook_queries(
        runbooks, metric_checks.declared_series_names(content.recorded_names)
    )
    if promtool:
        problems += run_promtool(root)
    return CheckReport(
        problems=sorted(set(problems)),
        alerts=len(content.alerts),
        recording_rules=len(content.rules) - len(content.alerts),
        dashboards=len(content.dashboards),
        panels=sum(len(board.panels) for board in content.dashboards),
        runbooks=len(runbooks),
        promtool=promtool,
    )


def _content_checks(content: Content, root: Path, runbooks: runbook_checks.Runbooks) -> list[Problem]:
    """The checks that read generated content (run on the fresh and on the committed view)."""
    declared = metric_checks.declared_series_names(content.recorded_names)
    uids = {board.uid for board in content.dashboards}
    return [
        *content.problems,
        *alert_checks.check_alert_metadata(content.alerts),
        *alert_checks.check_alert_links(content.alerts, root, uids),
        *metric_checks.check_rule_metrics(content.rules, declared),
        *metric_checks.check_dashboard_metrics(content.dashboards, declared),
        *dashboard_checks.check_unique_uids(content.dashboards),
        *dashboard_checks.check_panel_layout(content.dashboards),
        *runbook_checks.check_runbooks_match_alerts(runbooks, content.alerts),
        *check_alert_test_coverage(content.alerts, root),
    ]


def _to_source(problem: Problem, root: Path) -> Problem:
    source = source_of(Path(problem.file), root)
    if source is None:
        return problem
    return Problem(source.as_posix(), problem.item, problem.message, problem.detail)


def _freshness(rendered: output.Rendered, root: Path, folder: Path) -> list[Problem]:
    """Generated files that are stale, missing, or not produced by the generator."""
    problems = []
    for line in output.stale(rendered, root, (folder,)):
        file, _, message = line.partition(": ")
        problems.append(Problem(file, "generated file", message))
    return problems
