"""Read-only HTML pages over incidents: `/incidents/` and `/incidents/<id>`, plus sign-in and sign-out.

They need a viewer token like the REST API: `Authorization: Bearer <token>`, or the login cookie
that `/incidents/login` sets from the same token (see observability.web.page_auth).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from observability import incident_actions as service
from observability.auth.dependencies import DbSession
from observability.site import INCIDENT_PAGES, incident_list_page, incident_page, login_page, not_found_page
from observability.web.incident_schemas import IncidentStatus, PageOffset, TextFilter
from observability.web.incidents_api import IncidentId
from observability.web.page_auth import (
    COOKIE_MAX_AGE_SECONDS,
    COOKIE_PATH,
    TOKEN_COOKIE,
    PageViewer,
    check_token,
    login_form,
)
from observability.web.page_headers import PRIVATE_PAGE_HEADERS
from observability.web.runbook_links import own_runbook_slugs

router = APIRouter(prefix="/incidents", tags=["incident pages"])

PAGE_SIZE = 50
_HTML_PAGE: dict[str, Any] = {"content": {"text/html": {}}}
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _HTML_PAGE,
    401: {**_HTML_PAGE, "description": "no valid viewer token: the sign-in page"},
}
# The sign-in form, read by login_form (not a pydantic model: FastAPI's forms need python-multipart).
_LOGIN_FORM: dict[str, Any] = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["token"],
                "properties": {
                    "token": {"type": "string", "description": "an API token (viewer or higher)"},
                    "next": {"type": "string", "description": "the incident id to return to"},
                },
            }
        }
    },
}
# Where a sign-in may send the browser back to: an incident of this folder or the list, nothing else.
_RETURN_TO = re.compile(r"[0-9]{1,19}|\./")


def _sign_in(message: str, next_page: str, *, code: int = status.HTTP_401_UNAUTHORIZED) -> HTMLResponse:
    page = login_page(INCIDENT_PAGES, message=message, next_page=next_page)
    headers = {**PRIVATE_PAGE_HEADERS, "WWW-Authenticate": "Bearer"} if code == 401 else PRIVATE_PAGE_HEADERS
    return HTMLResponse(page, status_code=code, headers=headers)


@router.get("/login", response_class=HTMLResponse, responses={200: _HTML_PAGE})
def sign_in_form() -> HTMLResponse:
    """The sign-in form: paste an API token once, kept in an HttpOnly cookie for 12 hours."""
    return _sign_in("", "./", code=status.HTTP_200_OK)


@router.post(
    "/login",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses={
        303: {"description": "signed in"},
        401: {**_HTML_PAGE, "description": "token refused"},
        413: {"description": "form larger than 4 KiB"},
    },
    openapi_extra={"requestBody": _LOGIN_FORM},
)
def sign_in(
    request: Request, session: DbSession, form: Annotated[dict[str, str], Depends(login_form)]
) -> Response:
    """Check the form's token as the API would; on success keep it in a cookie and go back."""
    next_page = form.get("next", "./")
    next_page = next_page if _RETURN_TO.fullmatch(next_page) else "./"
    token = form.get("token", "")
    if not token:
        return _sign_in("enter an API token", next_page)
    caller = check_token(request, session, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))
    if caller.principal is None:
        return _sign_in(caller.refusal, next_page)
    response = RedirectResponse(
        next_page, status_code=status.HTTP_303_SEE_OTHER, headers=PRIVATE_PAGE_HEADERS
    )
    secure = request.url.scheme == "https" or request.app.state.settings.public_url.startswith("https:")
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        max_age=COOKIE_MAX_AGE_SECONDS,
        path=request.scope.get("root_path", "") + COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


@router.post(
    "/logout",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses={303: {"description": "signed out"}},
)
def sign_out(request: Request) -> Response:
    """Forget the login cookie."""
    response = RedirectResponse("login", status_code=status.HTTP_303_SEE_OTHER, headers=PRIVATE_PAGE_HEADERS)
    response.delete_cookie(TOKEN_COOKIE, path=request.scope.get("root_path", "") + COOKIE_PATH)
    return response


@router.get("/", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def incident_list(
    session: DbSession,
    caller: PageViewer,
    status_: Annotated[IncidentStatus | None, Query(alias="status")] = None,
    service_: Annotated[TextFilter, Query(alias="service")] = None,
    severity: TextFilter = None,
    offset: PageOffset = 0,
) -> HTMLResponse:
    """Incidents newest first, a page of 50, filtered by status, service and severity."""
    if caller.principal is None:
        return _sign_in(caller.refusal, "./")
    rows, total = service.list_incidents(
        session, status=status_, service=service_, severity=severity, limit=PAGE_SIZE, offset=offset
    )
    filters = {"status": status_, "service": service_, "severity": severity}
    page = incident_list_page(
        rows, total=total, filters=filters, limit=PAGE_SIZE, offset=offset, links=INCIDENT_PAGES
    )
    return HTMLResponse(page, headers=PRIVATE_PAGE_HEADERS)


@router.get(
    "/{incident_id}",
    response_class=HTMLResponse,
    responses={**_PAGE_RESPONSES, 404: {**_HTML_PAGE, "description": "no such incident"}},
)
def incident_detail(
    incident_id: IncidentId, request: Request, session: DbSession, caller: PageViewer
) -> HTMLResponse:
    """One incident: its state, runbook and dashboard links, alerts with labels and annotations, timeline."""
    if caller.principal is None:
        return _sign_in(caller.refusal, str(incident_id))
    incident = service.get_incident(session, incident_id=incident_id)
    if incident is None:
        page = not_found_page(INCIDENT_PAGES, f"incident {incident_id}")
        return HTMLResponse(page, status_code=status.HTTP_404_NOT_FOUND, headers=PRIVATE_PAGE_HEADERS)
    own_runbooks = own_runbook_slugs(request.app, incident.alerts)
    return HTMLResponse(incident_page(incident, INCIDENT_PAGES, own_runbooks), headers=PRIVATE_PAGE_HEADERS)
