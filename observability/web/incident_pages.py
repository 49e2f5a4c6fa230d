"""Read-only HTML pages over incidents: `/incidents/` and `/incidents/<id>` (viewer token, like the API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse

from observability.auth.dependencies import DbSession, Viewer
from observability.incidents import service
from observability.site import INCIDENT_PAGES, incident_list_page, incident_page, not_found_page
from observability.web.incident_schemas import IncidentStatus, PageOffset, TextFilter
from observability.web.incidents_api import IncidentId

router = APIRouter(prefix="/incidents", tags=["incident pages"])

PAGE_SIZE = 50
# Incident pages show live data: never cached by browsers or proxies.
_NO_STORE = {"Cache-Control": "no-store"}
_HTML_PAGE: dict[str, Any] = {"content": {"text/html": {}}}


@router.get("/", response_class=HTMLResponse, responses={200: _HTML_PAGE})
def incident_list(
    session: DbSession,
    _caller: Viewer,
    status_: Annotated[IncidentStatus | None, Query(alias="status")] = None,
    service_: Annotated[TextFilter, Query(alias="service")] = None,
    severity: TextFilter = None,
    offset: PageOffset = 0,
) -> HTMLResponse:
    """Incidents newest first, a page of 50, filtered by status, service and severity."""
    rows, total = service.list_incidents(
        session, status=status_, service=service_, severity=severity, limit=PAGE_SIZE, offset=offset
    )
    filters = {"status": status_, "service": service_, "severity": severity}
    page = incident_list_page(
        rows, total=total, filters=filters, limit=PAGE_SIZE, offset=offset, links=INCIDENT_PAGES
    )
    return HTMLResponse(page, headers=_NO_STORE)


@router.get(
    "/{incident_id}",
    response_class=HTMLResponse,
    responses={200: _HTML_PAGE, 404: {**_HTML_PAGE, "description": "no such incident"}},
)
def incident_detail(incident_id: IncidentId, session: DbSession, _caller: Viewer) -> HTMLResponse:
    """One incident: its state, runbook and dashboard links, alerts with labels and annotations, timeline."""
    incident = service.get_incident(session, incident_id=incident_id)
    if incident is None:
        page = not_found_page(INCIDENT_PAGES, f"incident {incident_id}")
        return HTMLResponse(page, status_code=status.HTTP_404_NOT_FOUND, headers=_NO_STORE)
    return HTMLResponse(incident_page(incident, INCIDENT_PAGES), headers=_NO_STORE)
