"""The live part of a served runbook page: incidents firing now, Alertmanager's alerts, the last incidents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from observability.incidents.durations import durations
from observability.site.alertmanager_alerts import AlertmanagerView
from observability.store.models import Incident


@dataclass(frozen=True)
class PastIncident:
    """A recent incident of the runbook's alerts and how long its last episode took to resolve."""

    incident: Incident
    episodes: int
    ttr: timedelta | None  # None while unresolved, or when no episode was recorded


@dataclass(frozen=True)
class RunbookLive:
    """What the page shows besides the runbook; `alertmanager` is None when no Alertmanager is set."""

    firing: Sequence[Incident]
    recent: Sequence[PastIncident]
    alertmanager: AlertmanagerView | None = None


def past_incidents(incidents: Sequence[Incident]) -> list[PastIncident]:
    """Each incident (episodes loaded) with the TTR of its latest episode."""
    past = []
    for incident in incidents:
        last = incident.episodes[-1] if incident.episodes else None
        past.append(PastIncident(incident, len(incident.episodes), durations(last).ttr if last else None))
    return past
