"""Flash messages for Post/Redirect/Get: an action's outcome rides a short cookie to the next page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import Response

from observability.web.page_auth import site_path

FLASH_COOKIE = "obs_flash"
FLASH_MAX_CHARS = 300
DONE = "done"
REFUSED = "refused"

R = TypeVar("R", bound=Response)


@dataclass(frozen=True)
class Flash:
    """What the last action did (DONE) or why it did not (REFUSED); escaped when shown."""

    kind: str
    message: str


def set_flash(response: Response, request: Request, flash: Flash) -> None:
    """Carry `flash` to the page the response redirects to (a minute at most)."""
    value = quote(f"{flash.kind}:{flash.message[:FLASH_MAX_CHARS]}", safe="")
    path = site_path(request, "/")
    response.set_cookie(FLASH_COOKIE, value, max_age=60, path=path, httponly=True, samesite="lax")


def read_flash(request: Request) -> Flash | None:
    """The flash the browser brought, if any."""
    kind, _, message = unquote(request.cookies.get(FLASH_COOKIE, "")).partition(":")
    return Flash(kind, message[:FLASH_MAX_CHARS]) if kind in (DONE, REFUSED) and message else None


def shown_once(request: Request, response: R) -> R:
    """`response`, clearing the flash the browser brought so that it shows once."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path=site_path(request, "/"))
    return response
