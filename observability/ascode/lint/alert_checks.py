"""Checks on alerting rules: routing labels, annotations, and links that must point somewhere."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

from observability.catalog import SERVICES, names

from .content import RUNBOOKS_DIR, Rule
from .problem import Problem

REQUIRED_LABELS = (names.SEVERITY, names.SERVICE, names.TEAM)
REQUIRED_ANNOTATIONS = ("summary", "description", "runbook_url", "dashboard_url")
# The dead-man's switch is routed by its own severity (kube-prometheus convention).
WATCHDOG = "Watchdog"
WATCHDOG_SEVERITY = names.NONE


def check_alert_metadata(alerts: Iterable[Rule]) -> list[Problem]:
    """Every alert carries severity/service/team and summary/description/runbook_url/dashboard_url."""
    teams = {svc.name: svc.team for svc in SERVICES}
    problems = []
    for alert in alerts:
        for label in REQUIRED_LABELS:
            if not alert.labels.get(label):
                problems.append(Problem(alert.file, alert.name, f"missing label {label!r}"))
        for annotation in REQUIRED_ANNOTATIONS:
            if not alert.annotations.get(annotation, "").strip():
                problems.append(Problem(alert.file, alert.name, f"missing annotation {annotation!r}"))
        severity = alert.labels.get(names.SEVERITY)
        allowed = names.SEVERITIES + ((WATCHDOG_SEVERITY,) if alert.name == WATCHDOG else ())
        if severity and severity not in allowed:
            problems.append(
                Problem(alert.file, alert.name, f"severity {severity!r} is not one of {', '.join(allowed)}")
            )
        service, team = alert.labels.get(names.SERVICE), alert.labels.get(names.TEAM)
        if service and service not in teams:
            problems.append(
                Problem(alert.file, alert.name, f"service {service!r} is not a service in the catalog")
            )
        elif service and team and teams[service] != team:
            problems.append(
                Problem(
                    alert.file,
                    alert.name,
                    f"team {team!r} differs from the catalog's owner of {service!r} ({teams[service]!r})",
                )
            )
    return problems


def runbook_slug(runbook_url: str) -> str:
    """The runbook slug a runbook_url names: its last path segment, without an .md or .html suffix."""
    segment = urlparse(runbook_url).path.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".md", ".html"):
        segment = segment.removesuffix(suffix)
    return segment


def dashboard_uid(dashboard_url: str) -> str | None:
    """The uid in a Grafana dashboard URL (`…/d/<uid>[/<slug>]`), or None if it is not one."""
    parts = urlparse(dashboard_url).path.split("/")
    if "d" not in parts:
        return None
    after = parts[parts.index("d") + 1 :]
    return after[0] if after and after[0] else None


def check_alert_links(alerts: Iterable[Rule], root: Path, dashboard_uids: set[str]) -> list[Problem]:
    """runbook_url names a file in runbooks/ and dashboard_url names a generated dashboard's uid."""
    problems = []
    for alert in alerts:
        if url := alert.annotations.get("runbook_url"):
            slug = runbook_slug(url)
            if not slug or not (root / RUNBOOKS_DIR / f"{slug}.md").is_file():
                problems.append(
                    Problem(
                        alert.file,
                        alert.name,
                        f"runbook_url {url} points nowhere: no {RUNBOOKS_DIR}/{slug}.md",
                    )
                )
        if url := alert.annotations.get("dashboard_url"):
            uid = dashboard_uid(url)
            if uid is None:
                problems.append(
                    Problem(alert.file, alert.name, f"dashboard_url {url} is not a Grafana /d/<uid> link")
                )
            elif uid not in dashboard_uids:
                problems.append(
                    Problem(
                        alert.file,
                        alert.name,
                        f"dashboard_url {url} points nowhere: no generated dashboard has uid {uid!r}",
                    )
                )
    return problems
