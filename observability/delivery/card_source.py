"""What the card and the digest show, read from the database at send time (so updates coalesce)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from observability.delivery.cards import AlertLine, CardData, DigestEntry
from observability.store.delivery_models import SlackIncident
from observability.store.models import Incident, IncidentAlert

# alert -> the slug of this service's own runbook page for it ("" when it has none).
RunbookSlugOf = Callable[[IncidentAlert], str]

FIRING = "firing"


def incident_url(public_url: str, incident_id: int) -> str:
    return f"{public_url.rstrip('/')}/incidents/{incident_id}"


def no_runbook_pages(alert: IncidentAlert) -> str:
    return ""


def card_data(
    session: Session, incident_id: int, public_url: str, runbook_slug_of: RunbookSlugOf = no_runbook_pages
) -> CardData | None:
    """The card of the incident as it is now, firing alerts first; None when it is gone.

    Its runbooks are this service's own pages first, then the alerts' own URLs beside them, so a
    runbook_url on a wrong host never leaves the responder without a runbook.
    """
    incident = session.scalars(
        select(Incident).where(Incident.id == incident_id).options(selectinload(Incident.alerts))
    ).first()
    if incident is None:
        return None
    alerts = sorted(incident.alerts, key=lambda alert: (alert.status != FIRING, -alert.id))
    links = incident.links
    own_pages = [
        f"{public_url.rstrip('/')}/runbooks/{slug}" for alert in alerts if (slug := runbook_slug_of(alert))
    ]
    return CardData(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity,
        service=incident.service,
        status=incident.status,
        opened_at=incident.opened_at,
        updated_at=incident.updated_at,
        incident_url=incident_url(public_url, incident.id),
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
        alerts=[AlertLine(alert.alertname, alert.summary, alert.status) for alert in alerts],
        firing_alerts=incident.firing_alerts,
        runbook_urls=list(dict.fromkeys([*own_pages, *links["runbooks"]])),
        dashboard_urls=links["dashboards"],
        generator_urls=links["generators"],
        flapping=incident.flapping,
    )


def digest_entries(session: Session, digest_id: int, public_url: str) -> list[DigestEntry]:
    """Every incident in the digest, oldest first."""
    rows = session.execute(
        select(Incident.id, Incident.title, Incident.severity, Incident.service, Incident.status)
        .join(SlackIncident, SlackIncident.incident_id == Incident.id)
        .where(SlackIncident.digest_id == digest_id)
        .order_by(Incident.id)
    )
    return [
        DigestEntry(
            row.id, row.title, row.severity, row.service, row.status, incident_url(public_url, row.id)
        )
        for row in rows
    ]
