"""Links to this service's own runbook pages for an incident's alerts, next to the alerts' own URLs."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import FastAPI

from observability.incidents.alert_facts import runbook_slug
from observability.store.models import IncidentAlert


def runbook_slug_finder(app: FastAPI) -> Callable[[IncidentAlert], str]:
    """alert -> slug of the runbook this service serves for it ("" when it has none)."""
    slugs = app.state.runbook_site.content.runbooks
    runbooks = app.state.runbooks

    def slug_of(alert: IncidentAlert) -> str:
        # The annotation as sent: a runbook_url that is no http(s) link is stored blank.
        runbook_url = str(alert.annotations.get("runbook_url", "")) or alert.runbook_url
        return runbook_slug(runbook_url, alert.alertname, runbooks, slugs)

    return slug_of


def own_runbook_slugs(app: FastAPI, alerts: Iterable[IncidentAlert]) -> dict[int, str]:
    """Alert id -> slug of the runbook this service serves for it (alerts without one left out)."""
    slug_of = runbook_slug_finder(app)
    return {alert.id: slug for alert in alerts if (slug := slug_of(alert))}


def own_runbook_url(app: FastAPI, slug: str) -> str:
    """The absolute URL of runbook `slug` on this service (its public URL)."""
    return f"{app.state.settings.public_url.rstrip('/')}/runbooks/{slug}"
