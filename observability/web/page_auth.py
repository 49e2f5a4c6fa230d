"""Who reads the incident pages: an API token, sent as `Authorization: Bearer` or kept in a login cookie.

Browsers cannot add a bearer header to a link from Slack, so `/incidents/login` takes the same token
once and keeps it in an HttpOnly, SameSite=Strict cookie scoped to `/incidents`; the token is checked
on every request exactly as the REST API checks it (settings first, then the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials

from observability.auth.dependencies import DbSession, authenticate, bearer_scheme
from observability.auth.roles import Role
from observability.auth.tokens import Principal

TOKEN_COOKIE = "obs_token"
COOKIE_PATH = "/incidents"
COOKIE_MAX_AGE_SECONDS = 12 * 3600  # one on-call night
LOGIN_FORM_MAX_BYTES = 4096


@dataclass(frozen=True)
class PageCaller:
    """The authenticated viewer, or None and why not (shown on the login page)."""

    principal: Principal | None
    refusal: str = ""


def page_caller(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> PageCaller:
    """The caller by bearer header, else by login cookie; never raises, so pages can offer a login."""
    if credentials is None:
        cookie = request.cookies.get(TOKEN_COOKIE)
        if not cookie:
            return PageCaller(None)  # a first visit: the sign-in form, no complaint
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=cookie)
    return check_token(request, session, credentials)


def check_token(
    request: Request, session: DbSession, credentials: HTTPAuthorizationCredentials | None
) -> PageCaller:
    """Authenticate as the REST API does and require the viewer role."""
    try:
        principal = authenticate(request, session, credentials)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
            raise  # over the failure limit: a 429 page with Retry-After, not the sign-in form
        return PageCaller(None, str(exc.detail))
    if not principal.role.allows(Role.VIEWER):
        return PageCaller(None, f"role {principal.role.value} may not read incidents")
    return PageCaller(principal)


PageViewer = Annotated[PageCaller, Depends(page_caller)]


async def login_form(request: Request) -> dict[str, str]:
    """The fields of a url-encoded login form, first value of each (413 above 4 KiB)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > LOGIN_FORM_MAX_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "login form larger than 4 KiB")
    # Unknown fields are ignored; the 4 KiB bound keeps parsing cheap.
    fields = parse_qs(body.decode("utf-8", errors="replace"))
    return {name: values[0].strip() for name, values in fields.items() if values}
