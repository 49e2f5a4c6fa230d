"""Who uses the incident pages: a browser session (cookie) or an API token sent as `Authorization: Bearer`.

`/incidents/login` takes an API token once and opens a server-side session
(observability.auth.sessions); the cookie holds only the session's random id. It is HttpOnly and
SameSite=Lax, so a link from Slack or a chat (a top-level GET from another site) arrives signed in,
while another site's POST does not carry it. Every form also carries the session's CSRF token;
the sign-in form, which has no session yet, a double-submit token in its own cookie.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from observability.auth.dependencies import DbSession, authenticate, bearer_scheme, principal_of
from observability.auth.roles import Role
from observability.auth.sessions import SESSION_LIFETIME, find_session
from observability.auth.tokens import Principal
from observability.site import INCIDENT_PAGES, login_page
from observability.site.links import Links
from observability.web.clock import now_of
from observability.web.page_headers import PRIVATE_PAGE_HEADERS

SESSION_COOKIE = "obs_session"
LOGIN_CSRF_COOKIE = "obs_login_csrf"
FORM_MAX_BYTES = 128 * 1024  # a 10,000-character note of 4-byte characters, url-encoded, fits
# Where a sign-in may return to: a path of this site (not `//host`, not `/\host`), nothing else.
_SAFE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.~%?&=+:@!$'()*,;-]*")
NEXT_MAX_CHARS = 1000


@dataclass(frozen=True)
class PageCaller:
    """The authenticated viewer (or None and why not), and the CSRF token its forms must carry.

    `csrf_token` is None for a bearer-token caller: no browser adds that header on its own, so
    another site cannot forge its requests.
    """

    principal: Principal | None
    refusal: str = ""
    csrf_token: str | None = None

    @property
    def is_responder(self) -> bool:
        return self.principal is not None and self.principal.role.allows(Role.RESPONDER)


def page_caller(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> PageCaller:
    """The caller by bearer header, else by session cookie; never raises, so pages can offer a sign-in."""
    if credentials is not None:
        return check_token(request, session, credentials)
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return PageCaller(None)  # a first visit: the sign-in form, no complaint
    row = find_session(session, session_id=session_id, now=now_of(request.app))
    if row is None:
        return PageCaller(None, "your session has ended: sign in again")
    principal = principal_of(request, session, row.token_hash)
    if principal is None:
        return PageCaller(None, "the API token of this session was revoked: sign in again")
    return _as_viewer(principal, row.csrf_token)


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
    return _as_viewer(principal, None)


def _as_viewer(principal: Principal, csrf_token: str | None) -> PageCaller:
    if not principal.role.allows(Role.VIEWER):
        return PageCaller(None, f"role {principal.role.value} may not read incidents")
    return PageCaller(principal, csrf_token=csrf_token)


PageViewer = Annotated[PageCaller, Depends(page_caller)]


def csrf_matches(expected: str | None, form: dict[str, str]) -> bool:
    """True when the form carries the caller's CSRF token (always for bearer callers)."""
    if expected is None:
        return True
    return hmac.compare_digest(form.get("csrf", "").encode(), expected.encode())


def login_csrf(request: Request) -> str:
    """The sign-in form's double-submit token: the one in the browser's cookie, or a new one."""
    current = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def login_csrf_matches(request: Request, form: dict[str, str]) -> bool:
    """True when the sign-in form sends back the token its cookie holds."""
    cookie, sent = request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf", "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())


def safe_next(value: str | None, default: str) -> str:
    """`value` when it is a path on this site (`/incidents/5?x=1`), else `default`."""
    if not value or len(value) > NEXT_MAX_CHARS or not _SAFE_PATH.fullmatch(value):
        return default
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else default


def site_path(request: Request, path: str) -> str:
    """`path` under the app's root path (a proxy may serve the app below a prefix)."""
    return str(request.scope.get("root_path", "")).rstrip("/") + path


def _cookie_flags(request: Request) -> dict[str, object]:
    secure = request.url.scheme == "https" or request.app.state.settings.public_url.startswith("https:")
    return {"path": site_path(request, "/"), "httponly": True, "secure": secure}


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    """Keep the session id in the browser: HttpOnly, SameSite=Lax, for the session's lifetime."""
    max_age = int(SESSION_LIFETIME.total_seconds())
    response.set_cookie(SESSION_COOKIE, session_id, max_age=max_age, samesite="lax", **_cookie_flags(request))  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=site_path(request, "/"))


def set_login_csrf_cookie(response: Response, request: Request, token: str) -> None:
    """The sign-in form's token; Strict, as only this site's own form sends it back."""
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, samesite="strict", **_cookie_flags(request))  # type: ignore[arg-type]


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path=site_path(request, "/"))


def session_id_of(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


async def page_form(request: Request) -> dict[str, str]:
    """The fields of a url-encoded form, first value of each (413 above 128 KiB)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "form larger than 128 KiB")
    # Unknown fields are ignored; the bound keeps parsing cheap.
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items() if values}


PageForm = Annotated[dict[str, str], Depends(page_form)]


def current_path(request: Request) -> str:
    """The path and query of this request: where a sign-in from here returns to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def sign_in_page(
    request: Request,
    message: str,
    next_page: str,
    *,
    code: int = status.HTTP_401_UNAUTHORIZED,
    links: Links = INCIDENT_PAGES,
) -> HTMLResponse:
    """The sign-in form (any page may answer with it), returning to `next_page` once signed in.

    `links` are relative to the page answering (a page below /incidents/<id>/ passes its own).
    """
    token = login_csrf(request)
    page = login_page(
        links,
        message=message,
        next_page=next_page,
        csrf_token=token,
        action=site_path(request, "/incidents/login"),
    )
    headers = {**PRIVATE_PAGE_HEADERS, "WWW-Authenticate": "Bearer"} if code == 401 else PRIVATE_PAGE_HEADERS
    response = HTMLResponse(page, status_code=code, headers=headers)
    set_login_csrf_cookie(response, request, token)
    return response
