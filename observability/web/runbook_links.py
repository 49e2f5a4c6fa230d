"""Links to this service's own runbook pages for an incident's alerts, next to the alerts' own URLs."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI

from observability.incidents.alert_facts import runbook_slug
from observability.store.models import IncidentAlert


def own_runbook_slugs(app: FastAPI, alerts: Iterable[IncidentAlert]) -> dict[int, str]:
    """Alert id -> slug of the runbook this service serves for it (alerts without one left out)."""
    slugs = app.state.runbook_site.content.runbooks
    found = {}
    for alert in alerts:
        runbook_url = str(alert.annotations.get("runbook_url", "")) or alert.runbook_url
        if slug := runbook_slug(runbook_url, alert.alertname, app.state.runbooks, slugs):
            found[alert.id] = slug
    return found


def own_runbook_url(app: FastAPI, slug: str) -> str:
    """The absolute URL of runbook `slug` on this service (its public URL)."""
    return f"{app.state.settings.public_url.rstrip('/')}/runbooks/{slug}"
