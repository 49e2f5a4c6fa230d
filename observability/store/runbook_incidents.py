"""The incidents a runbook page shows: those firing now for its alerts, and the last ones with episodes.

Both select the ids of the alerts' incidents through `ix_incident_alerts_alertname` (alert name,
incident id; migration 0008), then take the newest by primary key: a runbook whose alerts never
fired costs one index lookup, not a probe per incident.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from observability.incidents.payload import FIRING
from observability.store.models import ACKNOWLEDGED, TRIGGERED, Incident, IncidentAlert

FIRING_LIMIT = 20
RECENT_LIMIT = 10


def firing_incidents(
    session: Session, alertnames: Collection[str], *, limit: int = FIRING_LIMIT
) -> list[Incident]:
    """Unresolved incidents with an alert of `alertnames` still firing, newest first (alerts loaded)."""
    if not alertnames:
        return []
    firing = select(IncidentAlert.incident_id).where(
        IncidentAlert.alertname.in_(sorted(alertnames)), IncidentAlert.status == FIRING
    )
    query = (
        select(Incident)
        .where(Incident.status.in_((TRIGGERED, ACKNOWLEDGED)), Incident.id.in_(firing))
        .order_by(Incident.id.desc())
        .limit(limit)
        .options(selectinload(Incident.alerts))
    )
    return list(session.scalars(query))


def recent_incidents(
    session: Session, alertnames: Collection[str], *, limit: int = RECENT_LIMIT
) -> list[Incident]:
    """The last incidents (any status) with an alert of `alertnames`, newest first (episodes loaded).

    Newest by id: ids grow as incidents open, and a reopened incident keeps its id and opening."""
    if not alertnames:
        return []
    related = select(IncidentAlert.incident_id).where(IncidentAlert.alertname.in_(sorted(alertnames)))
    query = (
        select(Incident)
        .where(Incident.id.in_(related))
        .order_by(Incident.id.desc())
        .limit(limit)
        .options(selectinload(Incident.episodes))
    )
    return list(session.scalars(query))
