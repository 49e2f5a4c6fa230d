"""Responders' forms on the incident page: acknowledge, resolve (with a note), note, escalate, severity.

Each is a plain HTML form POST (no JavaScript needed) that goes through the same service
functions, compare-and-set transitions and audit rows as the REST API, then redirects back to the
incident with a flash message (Post/Redirect/Get). A viewer's POST is 403, a POST without the
session's CSRF token is 403; a transition the incident's state refuses comes back as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from observability import audit
from observability import incident_actions as service
from observability.auth.dependencies import DbSession
from observability.catalog.names import SEVERITIES
from observability.escalation.matrix import Matrix
from observability.incidents.errors import IncidentNotFound, InvalidTransition
from observability.site import INCIDENT_PAGES, not_found_page
from observability.site.incident_pages import refused_page
from observability.store.models import Incident
from observability.store.transient import commit_with_retry
from observability.web.clock import now_of
from observability.web.incident_pages import HTML_PAGE
from observability.web.incident_schemas import NOTE_MAX_CHARS
from observability.web.incidents_api import IncidentId
from observability.web.page_auth import (
    PageCaller,
    PageForm,
    PageViewer,
    csrf_matches,
    sign_in_page,
    site_path,
)
from observability.web.page_flash import DONE, REFUSED, Flash, set_flash
from observability.web.page_headers import PRIVATE_PAGE_HEADERS

router = APIRouter(prefix="/incidents", tags=["incident pages"])

_ACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    303: {"description": "done or refused by the incident's state: back to the incident with a message"},
    401: {**HTML_PAGE, "description": "not signed in: the sign-in page"},
    403: {**HTML_PAGE, "description": "a viewer, or the form's CSRF token is missing or wrong"},
    404: {**HTML_PAGE, "description": "no such incident"},
    413: {"description": "form larger than 128 KiB"},
    422: {**HTML_PAGE, "description": "the form's value is invalid (the page names it)"},
}


class FormProblem(ValueError):
    """A form field the action cannot take (422, naming the field)."""


@dataclass(frozen=True)
class Acting:
    """What a page action acts with: the caller's role (its audit rows carry it and the surface)
    and the app's escalation matrix (acknowledging and escalating plan with it)."""

    role: str
    matrix: Matrix

    def record(
        self, session: Session, actor: str, action: str, incident_id: int, now: datetime, **details: Any
    ) -> None:
        audit.record(
            session,
            actor=actor,
            action=action,
            target=audit.incident_target(incident_id),
            now=now,
            details={"role": self.role, "surface": "incident page", **details},
        )


def _note_text(form: dict[str, str], field: str, *, required: bool) -> str:
    text = form.get(field, "")
    if "\x00" in text:
        raise FormProblem(f"{field}: NUL characters are not allowed")
    if len(text) > NOTE_MAX_CHARS:
        raise FormProblem(f"{field}: at most {NOTE_MAX_CHARS} characters")
    if required and not text.strip():
        raise FormProblem(f"{field}: write something")
    return text


def act(
    request: Request,
    session: Session,
    caller: PageCaller,
    form: dict[str, str],
    incident_id: int,
    work: Callable[[Acting, str, datetime], str],
) -> Response:
    """Check the caller and the CSRF token, run `work` in one committed transaction, redirect back."""
    back = site_path(request, f"/incidents/{incident_id}")
    if caller.principal is None:
        return sign_in_page(request, caller.refusal or "sign in to act on incidents", back)
    if not caller.is_responder:
        return _refused(
            request,
            status.HTTP_403_FORBIDDEN,
            f"role {caller.principal.role.value} may not act on incidents; needs responder",
            back,
        )
    if not csrf_matches(caller.csrf_token, form):
        return _refused(
            request,
            status.HTTP_403_FORBIDDEN,
            "missing or wrong CSRF token: reload the page and try again",
            back,
        )
    principal = caller.principal
    acting = Acting(principal.role.value, request.app.state.matrix)
    try:
        message = commit_with_retry(session, lambda: work(acting, principal.name, now_of(request.app)))
        flash = Flash(DONE, message)
    except FormProblem as exc:
        session.rollback()
        return _refused(request, status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc), back)
    except IncidentNotFound:
        session.rollback()
        page = not_found_page(INCIDENT_PAGES, f"incident {incident_id}")
        return HTMLResponse(page, status_code=status.HTTP_404_NOT_FOUND, headers=PRIVATE_PAGE_HEADERS)
    except InvalidTransition as exc:
        session.rollback()
        flash = Flash(REFUSED, f"{exc} (someone else may have been first)")
    response = RedirectResponse(back, status_code=status.HTTP_303_SEE_OTHER, headers=PRIVATE_PAGE_HEADERS)
    set_flash(response, request, flash)
    return response


def _refused(request: Request, code: int, message: str, back: str) -> HTMLResponse:
    title = "Not allowed" if code == status.HTTP_403_FORBIDDEN else "Cannot do that"
    page = refused_page(INCIDENT_PAGES, title=title, message=message, back=back)
    return HTMLResponse(page, status_code=code, headers=PRIVATE_PAGE_HEADERS)


# One action's work inside the transaction: (session, incident id, form, audit, actor, now) -> the
# flash message. Raising FormProblem, IncidentNotFound or InvalidTransition rolls it back.
ActionWork = Callable[[Session, int, dict[str, str], Acting, str, datetime], str]


def _transition(
    change: Callable[..., Incident], action: str, done: str, *, needs_matrix: bool = False
) -> ActionWork:
    """The work of a lifecycle change: the service function, its audit row, `done` as the flash."""

    def work(
        session: Session, incident_id: int, form: dict[str, str], acting: Acting, actor: str, now: datetime
    ) -> str:
        extra = {"matrix": acting.matrix} if needs_matrix else {}
        incident = change(session, incident_id=incident_id, actor=actor, now=now, **extra)
        acting.record(session, actor, action, incident_id, now, status=incident.status)
        return done.format(id=incident_id)

    return work


_acknowledge = _transition(
    service.acknowledge, audit.INCIDENT_ACKNOWLEDGE, "Acknowledged incident {id}.", needs_matrix=True
)
_escalate = _transition(
    service.escalate_now,
    audit.INCIDENT_ESCALATE,
    "Escalated incident {id}: the next step paged now.",
    needs_matrix=True,
)
_resolve_only = _transition(service.resolve, audit.INCIDENT_RESOLVE, "Resolved incident {id}.")


def _resolve(
    session: Session, incident_id: int, form: dict[str, str], acting: Acting, actor: str, now: datetime
) -> str:
    note = _note_text(form, "note", required=False)
    if note.strip():
        _note(session, incident_id, note, acting, actor, now)
    return _resolve_only(session, incident_id, form, acting, actor, now)


def _add_note(
    session: Session, incident_id: int, form: dict[str, str], acting: Acting, actor: str, now: datetime
) -> str:
    _note(session, incident_id, _note_text(form, "text", required=True), acting, actor, now)
    return "Note added."


def _note(session: Session, incident_id: int, text: str, acting: Acting, actor: str, now: datetime) -> None:
    event = service.add_note(session, incident_id=incident_id, actor=actor, text=text, now=now)
    acting.record(
        session, actor, audit.INCIDENT_NOTE, incident_id, now, timeline_event_id=event.id, text=text
    )


def _change_severity(
    session: Session, incident_id: int, form: dict[str, str], acting: Acting, actor: str, now: datetime
) -> str:
    severity = form.get("severity", "")
    if severity not in SEVERITIES:
        raise FormProblem(f"severity: expected one of {', '.join(SEVERITIES)}")
    changed = service.change_severity(
        session, incident_id=incident_id, actor=actor, severity=severity, now=now, matrix=acting.matrix
    )
    acting.record(
        session,
        actor,
        audit.INCIDENT_SEVERITY,
        incident_id,
        now,
        severity=severity,
        **changed.audit_details(),
    )
    return f"Severity of incident {incident_id} is now {severity}."


_NOTE_SCHEMA = {"type": "string", "maxLength": NOTE_MAX_CHARS, "pattern": r"^[^\x00]*$"}
_CSRF_SCHEMA = {"type": "string", "description": "the session's CSRF token (not needed with a bearer token)"}


def _form_body(fields: dict[str, dict[str, Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The OpenAPI request body of a form with `fields` besides the CSRF token."""
    schema = {"type": "object", "properties": {"csrf": _CSRF_SCHEMA, **fields}, "required": list(required)}
    content = {"application/x-www-form-urlencoded": {"schema": schema}}
    return {"requestBody": {"required": bool(required), "content": content}}


def _route(path: str, name: str, summary: str, work: ActionWork, body: dict[str, Any] | None = None) -> None:
    """Serve `work` as POST /incidents/<id>/<path>, a form of the incident page."""

    def endpoint(
        incident_id: IncidentId, request: Request, session: DbSession, caller: PageViewer, form: PageForm
    ) -> Response:
        return act(
            request,
            session,
            caller,
            form,
            incident_id,
            lambda acting, actor, now: work(session, incident_id, form, acting, actor, now),
        )

    router.add_api_route(
        f"/{{incident_id}}/{path}",
        endpoint,
        methods=["POST"],
        name=name,
        summary=summary,
        response_class=RedirectResponse,
        status_code=status.HTTP_303_SEE_OTHER,
        responses=_ACTION_RESPONSES,
        openapi_extra=body or _form_body({}),
    )


_route("ack", "page_acknowledge", "Acknowledge a triggered incident", _acknowledge)
_route(
    "resolve",
    "page_resolve",
    "Resolve an incident, with an optional note",
    _resolve,
    _form_body({"note": _NOTE_SCHEMA}),
)
_route(
    "notes",
    "page_add_note",
    "Add a note to the timeline",
    _add_note,
    _form_body({"text": {**_NOTE_SCHEMA, "pattern": r"^[^\x00]*\S[^\x00]*$"}}, ("text",)),
)
_route("escalate", "page_escalate", "Page the next escalation step now", _escalate)
_route(
    "severity",
    "page_change_severity",
    "Set the severity",
    _change_severity,
    _form_body({"severity": {"type": "string", "enum": list(SEVERITIES)}}, ("severity",)),
)
