"""What an incident shows about its alerts: title, service, severity, runbook and dashboard links."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from observability.catalog import names
from observability.incidents.payload import AlertmanagerAlert, AlertmanagerNotification

ALERTNAME = "alertname"
SUMMARY = "summary"
RUNBOOK_URL = "runbook_url"
DASHBOARD_URL = "dashboard_url"
# Higher is more severe; labels outside the catalog's severities rank below all of them.
SEVERITY_RANK = {severity: len(names.SEVERITIES) - i for i, severity in enumerate(names.SEVERITIES)}


@dataclass(frozen=True)
class RunbookLink:
    """Where the runbook for an alert name lives, and the dashboards it points to."""

    url: str
    dashboard_urls: tuple[str, ...] = ()
    slug: str = ""


@dataclass(frozen=True)
class AlertFacts:
    """The fields an incident keeps for one alert, derived from its labels and annotations."""

    alertname: str
    severity: str
    summary: str
    runbook_url: str
    dashboard_url: str
    generator_url: str


def alert_facts(alert: AlertmanagerAlert, runbooks: Mapping[str, RunbookLink]) -> AlertFacts:
    """Facts of one alert; the runbook falls back to the catalog's runbook for its alert name."""
    alertname = alert.labels.get(ALERTNAME, "")
    fallback = runbooks.get(alertname)
    # A runbook_url nobody can follow (javascript:, a bare path) is no runbook: use the catalog's.
    runbook_url = web_link(alert.annotations.get(RUNBOOK_URL, "")) or (fallback.url if fallback else "")
    dashboard_url = alert.annotations.get(DASHBOARD_URL, "")
    if not dashboard_url and fallback and fallback.dashboard_urls:
        dashboard_url = fallback.dashboard_urls[0]
    return AlertFacts(
        alertname=alertname,
        severity=alert.labels.get(names.SEVERITY, ""),
        summary=alert.annotations.get(SUMMARY, ""),
        runbook_url=runbook_url,
        dashboard_url=dashboard_url,
        generator_url=alert.generatorURL,
    )


def web_link(url: str) -> str:
    """`url` if it is an absolute http(s) URL, else ""."""
    parsed = urlparse(url.strip())
    return url if parsed.scheme in ("http", "https") and parsed.netloc else ""


def runbook_slug(
    runbook_url: str, alertname: str, runbooks: Mapping[str, RunbookLink], slugs: Collection[str]
) -> str:
    """The slug of this service's own runbook for an alert ("" if it has none).

    The runbook its `runbook_url` names by its last path segment (whatever host it points to),
    else the one whose front matter lists the alert name.
    """
    segment = urlparse(runbook_url).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
    if segment.removesuffix(".md") in slugs:
        return segment.removesuffix(".md")
    fallback = runbooks.get(alertname)
    return fallback.slug if fallback and fallback.slug in slugs else ""


def highest_severity(severities: Iterable[str]) -> str:
    """The most severe of `severities` by the catalog's order ("" when there are none)."""
    return max(severities, key=lambda severity: SEVERITY_RANK.get(severity, 0), default="")


def incident_title(notification: AlertmanagerNotification) -> str:
    """The common summary, else the first alert's summary, else the alert names, else the labels."""
    if summary := notification.commonAnnotations.get(SUMMARY):
        return summary
    firing = [alert for alert in notification.alerts if alert.status == "firing"] or notification.alerts
    for alert in firing:
        if summary := alert.annotations.get(SUMMARY):
            return summary
    alertname = notification.commonLabels.get(ALERTNAME) or notification.groupLabels.get(ALERTNAME)
    if alertname:
        return alertname
    names_seen = sorted({alert.labels.get(ALERTNAME, "") for alert in firing} - {""})
    if names_seen:
        return ", ".join(names_seen)
    # Never the bare group key (Alertmanager's can be "0" or a hash): say what the alerts share.
    labels = notification.groupLabels or notification.commonLabels or firing[0].labels
    shown = ", ".join(f'{name}="{value}"' for name, value in sorted(labels.items()))
    return f"Alerts with {shown}" if shown else f"Alert group {notification.groupKey}"


def incident_service(notification: AlertmanagerNotification) -> str:
    """The `service` label common to the group, else the first alert's."""
    for labels in (notification.commonLabels, notification.groupLabels):
        if service := labels.get(names.SERVICE):
            return service
    return next((a.labels[names.SERVICE] for a in notification.alerts if names.SERVICE in a.labels), "")
