"""HTML pages over incidents: `/incidents/` and `/incidents/<id>`, plus sign-in and sign-out.

They need a viewer: a browser session opened at `/incidents/login` with an API token, or the
token itself as `Authorization: Bearer` (see observability.web.page_auth). Responders' forms post
to observability.web.incident_actions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from observability import incident_actions as service
from observability.auth.dependencies import DbSession
from observability.auth.sessions import end_session, open_session
from observability.auth.tokens import hash_token
from observability.catalog import SERVICES
from observability.incident_list import ListQuery, list_page
from observability.site import INCIDENT_PAGES, incident_list_page, incident_page, not_found_page
from observability.site.incident_pages import ListFilters, PageView
from observability.web.clock import now_of
from observability.web.incident_schemas import IncidentStatus, PageOffset, TextFilter
from observability.web.incidents_api import IncidentId
from observability.web.page_auth import (
    PageCaller,
    PageForm,
    PageViewer,
    check_token,
    clear_session_cookie,
    csrf_matches,
    current_path,
    login_csrf_matches,
    safe_next,
    session_id_of,
    set_session_cookie,
    sign_in_page,
    site_path,
)
from observability.web.page_flash import read_flash, shown_once
from observability.web.page_headers import PRIVATE_PAGE_HEADERS
from observability.web.runbook_links import own_runbook_slugs

router = APIRouter(prefix="/incidents", tags=["incident pages"])

PAGE_SIZE = 50
# The list counts matches up to here and then says "1000+": an exact count of 100,000 incidents
# within a filter costs a row lookup per match.
COUNT_LIMIT = 1000
HTML_PAGE: dict[str, Any] = {"content": {"text/html": {}}}
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: HTML_PAGE,
    401: {**HTML_PAGE, "description": "not signed in: the sign-in page"},
}
# The sign-in form, read by page_form (not a pydantic model: FastAPI's forms need python-multipart).
_LOGIN_FORM: dict[str, Any] = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["token", "csrf"],
                "properties": {
                    "token": {"type": "string", "description": "an API token (viewer or higher)"},
                    "csrf": {"type": "string", "description": "the token the sign-in page's cookie holds"},
                    "next": {"type": "string", "description": "the path on this site to return to"},
                },
            }
        }
    },
}


def page_view(request: Request, caller: PageCaller) -> PageView:
    """What a page needs to know of its viewer, with the flash the last action left."""
    assert caller.principal is not None
    flash = read_flash(request)
    return PageView(
        user=caller.principal.name,
        role=caller.principal.role.value,
        can_act=caller.is_responder,
        csrf_token=caller.csrf_token or "",
        now=now_of(request.app),
        public_url=request.app.state.settings.public_url,
        flash=(flash.kind, flash.message) if flash else None,
    )


def _default_next(request: Request) -> str:
    return site_path(request, "/incidents/")


@router.get("/login", response_class=HTMLResponse, responses={200: HTML_PAGE})
def sign_in_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in form: paste an API token once; the browser then holds a 12-hour session."""
    return sign_in_page(request, "", safe_next(next, _default_next(request)), code=status.HTTP_200_OK)


@router.post(
    "/login",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses={
        303: {"description": "signed in"},
        401: {**HTML_PAGE, "description": "token refused"},
        403: {**HTML_PAGE, "description": "the form's CSRF token is missing or wrong"},
        413: {"description": "form larger than 128 KiB"},
        429: {**HTML_PAGE, "description": "too many failed sign-ins from this address; see Retry-After"},
    },
    openapi_extra={"requestBody": _LOGIN_FORM},
)
def sign_in(request: Request, session: DbSession, form: PageForm) -> Response:
    """Check the form's token as the API would; on success open a session and go back."""
    next_page = safe_next(form.get("next"), _default_next(request))
    if not login_csrf_matches(request, form):
        return sign_in_page(
            request, "the sign-in form expired: sign in again", next_page, code=status.HTTP_403_FORBIDDEN
        )
    token = form.get("token", "").strip()
    if not token:
        return sign_in_page(request, "enter an API token", next_page)
    caller = check_token(request, session, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))
    if caller.principal is None:
        return sign_in_page(request, caller.refusal, next_page)
    opened = open_session(
        session, token_hash=hash_token(token), principal=caller.principal.name, now=now_of(request.app)
    )
    session.commit()
    response = RedirectResponse(
        next_page, status_code=status.HTTP_303_SEE_OTHER, headers=PRIVATE_PAGE_HEADERS
    )
    set_session_cookie(response, request, opened.session_id)
    return response


@router.post(
    "/logout",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses={303: {"description": "signed out"}, 403: {"description": "the form's CSRF token is wrong"}},
)
def sign_out(request: Request, session: DbSession, caller: PageViewer, form: PageForm) -> Response:
    """End this browser's session and forget its cookie."""
    if caller.principal is not None and not csrf_matches(caller.csrf_token, form):
        return HTMLResponse(
            "missing or wrong CSRF token", status.HTTP_403_FORBIDDEN, headers=PRIVATE_PAGE_HEADERS
        )
    if session_id_of(request):
        end_session(session, session_id=session_id_of(request), now=now_of(request.app))
        session.commit()
    response = RedirectResponse(
        site_path(request, "/incidents/login"),
        status_code=status.HTTP_303_SEE_OTHER,
        headers=PRIVATE_PAGE_HEADERS,
    )
    clear_session_cookie(response, request)
    return response


@router.get("/", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def incident_list(
    request: Request,
    session: DbSession,
    caller: PageViewer,
    status_: Annotated[IncidentStatus | Literal[""] | None, Query(alias="status")] = None,
    service_: Annotated[TextFilter, Query(alias="service")] = None,
    severity: TextFilter = None,
    q: TextFilter = None,
    offset: PageOffset = 0,
) -> HTMLResponse:
    """Incidents last active first, a page of 50, filtered by status, service, severity and a search."""
    if caller.principal is None:
        return sign_in_page(request, caller.refusal, current_path(request))
    # The filter form sends every field; an empty one means "any".
    filters = ListFilters(status_ or None, service_ or None, severity or None, (q or "").strip() or None)
    rows, total = list_page(
        session,
        ListQuery(filters.status, filters.service, filters.severity, filters.q),
        limit=PAGE_SIZE,
        offset=offset,
        count_limit=COUNT_LIMIT,
    )
    page = incident_list_page(
        rows,
        total=total,
        total_capped=total >= COUNT_LIMIT,
        filters=filters,
        services=sorted({svc.name for svc in SERVICES}),
        limit=PAGE_SIZE,
        offset=offset,
        links=INCIDENT_PAGES,
        view=page_view(request, caller),
    )
    return shown_once(request, HTMLResponse(page, headers=PRIVATE_PAGE_HEADERS))


@router.get(
    "/{incident_id}",
    response_class=HTMLResponse,
    responses={**_PAGE_RESPONSES, 404: {**HTML_PAGE, "description": "no such incident"}},
)
def incident_detail(
    incident_id: IncidentId, request: Request, session: DbSession, caller: PageViewer
) -> HTMLResponse:
    """One incident: state first, then what is wrong, runbook and dashboards, actions, timeline."""
    if caller.principal is None:
        return sign_in_page(request, caller.refusal, current_path(request))
    incident = service.get_incident(session, incident_id=incident_id)
    if incident is None:
        page = not_found_page(INCIDENT_PAGES, f"incident {incident_id}")
        return HTMLResponse(page, status_code=status.HTTP_404_NOT_FOUND, headers=PRIVATE_PAGE_HEADERS)
    own_runbooks = own_runbook_slugs(request.app, incident.alerts)
    page = incident_page(incident, INCIDENT_PAGES, page_view(request, caller), own_runbooks)
    return shown_once(request, HTMLResponse(page, headers=PRIVATE_PAGE_HEADERS))
