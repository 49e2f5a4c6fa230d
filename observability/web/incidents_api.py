"""REST API over incidents: list, show, acknowledge, resolve, add a note (each mutation audited)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from sqlalchemy.orm import Session

from observability import audit
from observability import incident_actions as service
from observability.auth.dependencies import DbSession, Responder, Viewer
from observability.auth.tokens import Principal
from observability.incidents.errors import IncidentNotFound, InvalidTransition
from observability.store.models import Incident, TimelineEvent
from observability.store.transient import commit_with_retry
from observability.web.clock import now_of
from observability.web.incident_schemas import (
    IncidentDetail,
    IncidentPage,
    IncidentStatus,
    IncidentSummary,
    NoteIn,
    PageLimit,
    PageOffset,
    Problem,
    TextFilter,
    TimelineEventOut,
)
from observability.web.runbook_links import own_runbook_slugs, own_runbook_url

router = APIRouter(
    prefix="/api/v1/incidents",
    tags=["incidents"],
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)

# Ids are bounded so that no backend overflows on a huge number (a 422, not a 500).
IncidentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="incident id")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no such incident"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "not allowed in the incident's current state"}
}


@router.get("", response_model=IncidentPage)
def list_incidents(
    session: DbSession,
    _caller: Viewer,
    status_: Annotated[IncidentStatus | None, Query(alias="status")] = None,
    service_: Annotated[TextFilter, Query(alias="service")] = None,
    severity: TextFilter = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> IncidentPage:
    """Incidents newest first, filtered by status, service and severity, one page at a time."""
    rows, total = service.list_incidents(
        session, status=status_, service=service_, severity=severity, limit=limit, offset=offset
    )
    items = [IncidentSummary.model_validate(row) for row in rows]
    return IncidentPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{incident_id}", response_model=IncidentDetail, responses=NOT_FOUND)
def get_incident(
    incident_id: IncidentId, request: Request, session: DbSession, _caller: Viewer
) -> IncidentDetail:
    """One incident with its alerts, links (this service's runbook pages first), timeline and episodes."""
    incident = service.get_incident(session, incident_id=incident_id)
    if incident is None:
        raise _not_found(incident_id)
    detail = IncidentDetail.model_validate(incident)
    pages = {
        alert_id: own_runbook_url(request.app, slug)
        for alert_id, slug in own_runbook_slugs(request.app, incident.alerts).items()
    }
    for alert, out in zip(incident.alerts, detail.alerts, strict=True):
        out.runbook_page = pages.get(alert.id, "")
    detail.links.runbook_pages = list(dict.fromkeys(pages.values()))
    return detail


@router.post("/{incident_id}/ack", response_model=IncidentSummary, responses={**NOT_FOUND, **CONFLICT})
def acknowledge(
    incident_id: IncidentId, request: Request, session: DbSession, caller: Responder
) -> IncidentSummary:
    """Acknowledge a triggered incident (responder or admin)."""
    acknowledge = partial(service.acknowledge, matrix=request.app.state.matrix)
    return _change_state(request, session, caller, incident_id, acknowledge, audit.INCIDENT_ACKNOWLEDGE)


@router.post("/{incident_id}/resolve", response_model=IncidentSummary, responses={**NOT_FOUND, **CONFLICT})
def resolve(
    incident_id: IncidentId, request: Request, session: DbSession, caller: Responder
) -> IncidentSummary:
    """Resolve an incident by hand (responder or admin)."""
    return _change_state(request, session, caller, incident_id, service.resolve, audit.INCIDENT_RESOLVE)


def _change_state(
    request: Request,
    session: Session,
    caller: Principal,
    incident_id: int,
    change: Callable[..., Incident],
    action: str,
) -> IncidentSummary:
    """Apply a lifecycle change and its audit row in one transaction; 404/409 on refusal."""

    def work() -> Incident:
        now = now_of(request.app)
        try:
            incident = change(session, incident_id=incident_id, actor=caller.name, now=now)
        except IncidentNotFound:
            raise _not_found(incident_id) from None
        except InvalidTransition as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        target = audit.incident_target(incident_id)
        details = {"role": caller.role.value, "status": incident.status}
        audit.record(session, actor=caller.name, action=action, target=target, now=now, details=details)
        return incident

    return IncidentSummary.model_validate(commit_with_retry(session, work))


@router.post(
    "/{incident_id}/notes",
    response_model=TimelineEventOut,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
def add_note(
    incident_id: IncidentId, note: NoteIn, request: Request, session: DbSession, caller: Responder
) -> TimelineEventOut:
    """Add a note to an incident's timeline (responder or admin)."""

    def work() -> TimelineEvent:
        now = now_of(request.app)
        try:
            event = service.add_note(
                session, incident_id=incident_id, actor=caller.name, text=note.text, now=now
            )
        except IncidentNotFound:
            raise _not_found(incident_id) from None
        details = {"role": caller.role.value, "timeline_event_id": event.id, "text": note.text}
        target = audit.incident_target(incident_id)
        audit.record(
            session, actor=caller.name, action=audit.INCIDENT_NOTE, target=target, now=now, details=details
        )
        return event

    return TimelineEventOut.model_validate(commit_with_retry(session, work))


def _not_found(incident_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"incident {incident_id} not found")
