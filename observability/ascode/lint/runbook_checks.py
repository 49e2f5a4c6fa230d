"""Checks on runbooks: each is well formed, agrees with the alerts that link to it, and its PromQL is real."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from pathlib import Path

from observability.catalog import names
from observability.runbooks import Runbook, load_runbooks

from .alert_checks import runbook_slug
from .content import RUNBOOKS_DIR, Rule
from .problem import Problem
from .promql import PromQLError, selected_metrics

_BLANK_LINE = re.compile(r"\n\s*\n")
Runbooks = Mapping[str, Runbook]


def load(root: Path) -> Runbooks:
    """The repository's runbooks by slug (none if the folder does not exist)."""
    folder = root / RUNBOOKS_DIR
    return load_runbooks(folder) if folder.is_dir() else {}


def check_runbook_contract(runbooks: Runbooks) -> list[Problem]:
    """Each runbook has its front matter keys and the five sections (the runbooks package's own rules)."""
    problems = []
    for runbook in runbooks.values():
        for line in runbook.problems():
            message = line.removeprefix(f"{runbook.source}: ")
            if message.startswith("slug "):
                item = "file name"
            else:
                item = "sections" if "section" in message else "front matter"
            problems.append(Problem(runbook.source, item, message))
    return problems


def check_runbooks_match_alerts(runbooks: Runbooks, alerts: Iterable[Rule]) -> list[Problem]:
    """Front matter lists exactly the alerts that link to the runbook, with the same service."""
    alerts = list(alerts)
    alert_names = {alert.name for alert in alerts}
    problems = []
    for runbook in runbooks.values():
        for listed in runbook.alerts:
            if not any(fnmatchcase(name, listed) for name in alert_names):
                problems.append(
                    Problem(runbook.source, "front matter", f"lists alert {listed!r}, which no rule defines")
                )
    for alert in alerts:
        linked = runbooks.get(runbook_slug(alert.annotations.get("runbook_url", "")))
        if linked is None or linked.parse_error:
            continue  # reported by the link check or the contract check
        runbook = linked
        if not any(fnmatchcase(alert.name, listed) for listed in runbook.alerts):
            problems.append(
                Problem(
                    runbook.source,
                    "front matter",
                    f"alert {alert.name} links here ({alert.file}) but `alerts` does not list it",
                )
            )
        service = alert.labels.get(names.SERVICE)
        if service and runbook.service and service != runbook.service:
            problems.append(
                Problem(
                    runbook.source,
                    "front matter",
                    f"service {runbook.service!r} differs from alert {alert.name}'s service {service!r}",
                )
            )
    return problems


def check_runbook_queries(runbooks: Runbooks, declared: set[str]) -> list[Problem]:
    """The PromQL a runbook tells on-call to run parses and selects only declared series."""
    problems = []
    for runbook in runbooks.values():
        if runbook.parse_error:
            continue
        for block in runbook.code_blocks("promql"):
            for query in _BLANK_LINE.split(block):
                try:
                    unknown = sorted(_selected_in_block(query) - declared)
                except PromQLError as exc:
                    problems.append(Problem(runbook.source, "promql block", str(exc)))
                    continue
                problems += [
                    Problem(runbook.source, "promql block", f"uses metric {name!r}, which nothing declares")
                    for name in unknown
                ]
    return problems


def _selected_in_block(part: str) -> set[str]:
    """Metrics of one query, or of one query per line when the lines only parse one by one."""
    if not part.strip():
        return set()
    try:
        return selected_metrics(part)
    except PromQLError:
        lines = [line for line in part.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if len(lines) < 2:
            raise
        return set().union(*(selected_metrics(line) for line in lines))
