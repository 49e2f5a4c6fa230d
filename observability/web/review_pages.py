"""Review and report pages: `/incidents/{id}/review`, `/incidents/report` (viewer token, as incident pages).

The review page is the stored version's self-contained HTML (graphs embedded as data: URIs, the
style inline), so its policy allows exactly that and still no script.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from observability.auth.dependencies import DbSession
from observability.incidents.durations import DEFINITIONS
from observability.reviews.report import PERIOD_PATTERN, build_report, parse_period
from observability.reviews.report_store import load_report_incidents, seconds_text
from observability.site import INCIDENT_PAGES, not_found_page
from observability.site.links import Links
from observability.site.templates import render
from observability.web.clock import now_of
from observability.web.incident_pages import page_view
from observability.web.incidents_api import IncidentId
from observability.web.page_auth import PageViewer, current_path, sign_in_page
from observability.web.page_headers import PRIVATE_PAGE_HEADERS
from observability.web.review_api import VersionQuery, current_review

router = APIRouter(prefix="/incidents", tags=["incident pages"])

# The review document carries its own <style> and data: images; no script of any kind.
REVIEW_PAGE_HEADERS = {
    **PRIVATE_PAGE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
}
# Links from a page one folder below the incident pages (/incidents/<id>/review).
NESTED_PAGES = Links(home="../../runbooks/", stylesheet="../../runbooks/static/style.css", incidents="../")
PERIODS = ("7d", "30d", "90d")
_HTML_PAGE: dict[str, Any] = {"content": {"text/html": {}}}
_HTML: dict[int | str, dict[str, Any]] = {
    200: _HTML_PAGE,
    401: {**_HTML_PAGE, "description": "no valid viewer token: how to sign in"},
}


@router.get("/report", response_class=HTMLResponse, responses=_HTML)
def report_page(
    request: Request,
    session: DbSession,
    caller: PageViewer,
    since: Annotated[str, Query(pattern=PERIOD_PATTERN, description="period such as 30d, 12h or 2w")] = "30d",
) -> HTMLResponse:
    """Incidents over a period: per service and alert, TTA/TTR medians and p90s, noisy alerts, gaps."""
    if caller.principal is None:
        return sign_in_page(request, caller.refusal, current_path(request))
    period = parse_period(since)  # the pattern above admits only what parses
    now = now_of(request.app)
    report = build_report(load_report_incidents(session, since=now - period), since=now - period, until=now)
    page = render(
        "report.html",
        links=INCIDENT_PAGES,
        report=report,
        since=since,
        periods=PERIODS,
        definitions=DEFINITIONS,
        seconds=seconds_text,
        view=page_view(request, caller),
    )
    return HTMLResponse(page, headers=PRIVATE_PAGE_HEADERS)


@router.get(
    "/{incident_id}/review",
    response_class=HTMLResponse,
    responses={
        **_HTML,
        401: {"description": "no valid viewer token"},
        404: {"description": "no such incident"},
    },
)
def review_page(
    incident_id: IncidentId,
    request: Request,
    session: DbSession,
    caller: PageViewer,
    version: VersionQuery = None,
) -> HTMLResponse:
    """The incident's post-incident review draft (a new version when the template or data changed)."""
    if caller.principal is None:  # the sign-in form, returning here (as every incident page does)
        return sign_in_page(request, caller.refusal, current_path(request), links=NESTED_PAGES)
    try:
        stored = current_review(request, session, incident_id, caller.principal.name, version)
    except HTTPException as exc:
        page = not_found_page(NESTED_PAGES, str(exc.detail))
        return HTMLResponse(page, status_code=exc.status_code, headers=PRIVATE_PAGE_HEADERS)
    return HTMLResponse(
        stored.version.html, headers={**REVIEW_PAGE_HEADERS, "X-Review-Version": str(stored.version.version)}
    )
