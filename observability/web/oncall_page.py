"""`GET /oncall/`: the on-call page (who holds every rotation, and what each policy pages if it fires now).

Viewer or above, like `GET /api/v1/oncall` (it lists names, emails and Slack ids): a bearer token or
the incident pages' sign-in. `?at=` shows another instant, `?severity=` another severity's policies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse

from observability.escalation.matrix import Matrix
from observability.site.links import ONCALL_PAGES
from observability.site.oncall_page import oncall_page
from observability.site.templates import render
from observability.web.clock import Now
from observability.web.page_auth import PageViewer
from observability.web.page_headers import PRIVATE_PAGE_HEADERS

router = APIRouter(prefix="/oncall", tags=["on-call page"])

_HTML_PAGE: dict[str, Any] = {"content": {"text/html": {}}}
Severity = Literal["critical", "warning", "info"]
# Instants the page answers for: far enough from datetime's limits that shifts and plans fit.
_EARLIEST, _LATEST = datetime(1971, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)
_AT_PATTERN = r"^(|\s*(19[7-9][0-9]|[2-8][0-9]{3})-.*)$"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant (`2026-12-25T12:00Z`, `…+01:00`); without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"at: {text!r} is not an ISO 8601 time such as 2026-12-25T12:00Z") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError(f"at: {text!r} is outside the years 1971 to 9000")
    return moment


@router.get(
    "/",
    response_class=HTMLResponse,
    responses={
        200: _HTML_PAGE,
        401: {**_HTML_PAGE, "description": "no valid viewer token: a link to sign in"},
        422: {**_HTML_PAGE, "description": "`at` is not an ISO 8601 time"},
    },
)
def oncall(
    request: Request,
    caller: PageViewer,
    now: Now,
    at: Annotated[
        str,
        Query(
            max_length=64,
            # The years the page answers for, in the schema too, so that clients (and fuzzers) know.
            pattern=_AT_PATTERN,
            json_schema_extra={"format": "date-time"},
            description="ISO 8601 instant, years 1971-8999 (UTC if no offset; default now)",
        ),
    ] = "",
    severity: Annotated[Severity, Query(description="the severity whose policies to simulate")] = "critical",
) -> HTMLResponse:
    """Every rotation now and next (with overrides), and each service's policy simulated from now."""
    if caller.principal is None:
        page = render(
            "signin_needed.html",
            links=ONCALL_PAGES,
            what="the on-call page",
            refusal=caller.refusal,
            next_path=f"{request.scope.get('root_path', '')}{router.prefix}/",
        )
        return HTMLResponse(
            page,
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={**PRIVATE_PAGE_HEADERS, "WWW-Authenticate": "Bearer"},
        )
    try:
        moment = parse_instant(at) if at.strip() else now
    except ValueError as exc:
        page = render("problem.html", links=ONCALL_PAGES, title="Not a time", message=str(exc))
        return HTMLResponse(
            page, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, headers=PRIVATE_PAGE_HEADERS
        )
    matrix: Matrix = request.app.state.matrix
    page = oncall_page(matrix, moment, ONCALL_PAGES, severity=severity, asked_at=at.strip())
    return HTMLResponse(page, headers=PRIVATE_PAGE_HEADERS)
