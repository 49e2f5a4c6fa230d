"""The runbook site: `/runbooks/` (index), `/runbooks/<slug>`, search, its stylesheet and script.

Runbooks are public: they hold what the repository holds. A signed-in viewer (the incident pages'
token or cookie) also sees what fires now for the runbook's alerts: incidents from the store,
Alertmanager's alerts when `OBS_ALERTMANAGER_URL` is set, and the last incidents with their TTR.
Runbooks are read once when the app is built (`install`); their bodies are rendered on first
request and kept, so restarting the service is how edited runbooks go live.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from observability.auth.dependencies import DbSession
from observability.runbooks import Runbook
from observability.site import (
    RUNBOOK_PAGES,
    SLUG_PATTERN,
    SiteContent,
    index_page,
    load_site,
    not_found_page,
    runbook_page,
    stylesheet,
)
from observability.site.alertmanager_alerts import fetch_held_alerts
from observability.site.runbook_live import RunbookLive, past_incidents
from observability.site.runbook_pages import runbook_body, search_page
from observability.site.search import MAX_QUERY_LENGTH
from observability.site.templates import local_time_script
from observability.store.runbook_incidents import firing_incidents, recent_incidents
from observability.web.page_auth import PageViewer
from observability.web.page_headers import PRIVATE_PAGE_HEADERS, PUBLIC_PAGE_HEADERS, SECURITY_HEADERS

router = APIRouter(prefix="/runbooks", tags=["runbook site"])

_HTML_PAGE: dict[str, Any] = {"content": {"text/html": {}}}
# The anonymous page is the same for everyone; a signed-in viewer's is not, so caches must tell them apart.
ANONYMOUS_PAGE_HEADERS = {**PUBLIC_PAGE_HEADERS, "Vary": "Authorization, Cookie"}


class RunbookSite:
    """The loaded content and the pages rendered from it so far."""

    def __init__(self, content: SiteContent) -> None:
        self.content = content
        self._index: str | None = None
        self._pages: dict[str, str] = {}
        self._bodies: dict[str, Markup] = {}

    def index(self) -> str:
        if self._index is None:
            self._index = index_page(self.content, RUNBOOK_PAGES)
        return self._index

    def page(self, slug: str, live: RunbookLive | None = None, *, next_path: str = "") -> str | None:
        """The HTML of runbook `slug` (with `live`, else offering to sign in), or None when unknown."""
        if slug not in self.content.runbooks:
            return None
        if slug not in self._bodies:
            self._bodies[slug] = runbook_body(self.content, slug, RUNBOOK_PAGES)
        if live is not None:
            return runbook_page(self.content, slug, RUNBOOK_PAGES, live=live, body=self._bodies[slug])
        if slug not in self._pages:
            self._pages[slug] = runbook_page(
                self.content, slug, RUNBOOK_PAGES, body=self._bodies[slug], next_path=next_path
            )
        return self._pages[slug]


def runbook_live(session: Session, runbook: Runbook, alertmanager_url: str | None) -> RunbookLive:
    """What fires now for the runbook's alerts, and its last incidents (the session is closed before
    Alertmanager is asked, so a slow Alertmanager holds no database connection)."""
    firing = firing_incidents(session, runbook.alerts)
    recent = past_incidents(recent_incidents(session, runbook.alerts))
    session.close()
    held = fetch_held_alerts(alertmanager_url, runbook.alerts) if alertmanager_url else None
    return RunbookLive(firing, recent, held)


def install(app: FastAPI) -> None:
    """Read the runbooks once, when the app is built."""
    settings = app.state.settings
    app.state.runbook_site = RunbookSite(load_site(settings.content_root, settings.grafana_url))


def _site(request: Request) -> RunbookSite:
    site: RunbookSite = request.app.state.runbook_site
    return site


@router.get("/", response_class=HTMLResponse, responses={200: _HTML_PAGE})
def runbook_index(request: Request) -> HTMLResponse:
    """The on-call index (`runbooks/index.md`) and a table of every runbook by service."""
    return HTMLResponse(_site(request).index(), headers=PUBLIC_PAGE_HEADERS)


@router.get("/static/style.css", response_class=Response, responses={200: {"content": {"text/css": {}}}})
def runbook_stylesheet() -> Response:
    """The site's stylesheet."""
    return Response(stylesheet(), media_type="text/css", headers=PUBLIC_PAGE_HEADERS)


@router.get(
    "/static/local-time.js", response_class=Response, responses={200: {"content": {"text/javascript": {}}}}
)
def runbook_script() -> Response:
    """The site's one script: times also in the viewer's time zone."""
    return Response(local_time_script(), media_type="text/javascript", headers=PUBLIC_PAGE_HEADERS)


@router.get("/search", response_class=HTMLResponse, responses={200: _HTML_PAGE})
def runbook_search(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="words that must all match")] = "",
) -> HTMLResponse:
    """Runbooks matching every word in title, alert names, service, team, severity or text."""
    page = search_page(_site(request).content, RUNBOOK_PAGES, q)
    return HTMLResponse(page, headers=PUBLIC_PAGE_HEADERS)


@router.get(
    "/{slug}",
    response_class=HTMLResponse,
    responses={200: _HTML_PAGE, 404: {**_HTML_PAGE, "description": "no runbook with that slug"}},
)
def runbook(slug: str, request: Request, session: DbSession, caller: PageViewer) -> HTMLResponse:
    """One runbook: its front matter, what fires now for its alerts (signed in), then its body."""
    site = _site(request)
    # Only known slugs of [a-z0-9-] reach the content: nothing from the path touches the filesystem.
    known = site.content.runbooks.get(slug) if SLUG_PATTERN.fullmatch(slug) else None
    if known is None:
        return HTMLResponse(
            not_found_page(RUNBOOK_PAGES, f"runbook {slug!r}"),
            status_code=status.HTTP_404_NOT_FOUND,
            headers=SECURITY_HEADERS,
        )
    if caller.principal is None:
        next_path = f"{request.scope.get('root_path', '')}{router.prefix}/{slug}"
        return HTMLResponse(site.page(slug, next_path=next_path), headers=ANONYMOUS_PAGE_HEADERS)
    live = runbook_live(session, known, request.app.state.settings.alertmanager_url)
    return HTMLResponse(site.page(slug, live), headers=PRIVATE_PAGE_HEADERS)
