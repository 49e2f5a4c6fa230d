"""The runbook site: `/runbooks/` (index), `/runbooks/<slug>`, its stylesheet. Public: no secrets.

Runbooks are read once when the app is built (`install`); each page is rendered on first request
and kept, so restarting the service is how edited runbooks go live.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.responses import HTMLResponse

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
from observability.site.templates import local_time_script
from observability.web.page_headers import PUBLIC_PAGE_HEADERS, SECURITY_HEADERS

router = APIRouter(prefix="/runbooks", tags=["runbook site"])

_HTML_PAGE: dict[str, Any] = {"content": {"text/html": {}}}


class RunbookSite:
    """The loaded content and the pages rendered from it so far."""

    def __init__(self, content: SiteContent) -> None:
        self.content = content
        self._index: str | None = None
        self._pages: dict[str, str] = {}

    def index(self) -> str:
        if self._index is None:
            self._index = index_page(self.content, RUNBOOK_PAGES)
        return self._index

    def page(self, slug: str) -> str | None:
        """The HTML of runbook `slug`, or None when there is no such runbook."""
        if slug not in self.content.runbooks:
            return None
        if slug not in self._pages:
            self._pages[slug] = runbook_page(self.content, slug, RUNBOOK_PAGES)
        return self._pages[slug]


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


@router.get(
    "/{slug}",
    response_class=HTMLResponse,
    responses={200: _HTML_PAGE, 404: {**_HTML_PAGE, "description": "no runbook with that slug"}},
)
def runbook(slug: str, request: Request) -> HTMLResponse:
    """One runbook: its front matter (service, severity, team, alerts, dashboards), then its body."""
    # Only known slugs of [a-z0-9-] reach the content: nothing from the path touches the filesystem.
    page = _site(request).page(slug) if SLUG_PATTERN.fullmatch(slug) else None
    if page is None:
        return HTMLResponse(
            not_found_page(RUNBOOK_PAGES, f"runbook {slug!r}"),
            status_code=status.HTTP_404_NOT_FOUND,
            headers=SECURITY_HEADERS,
        )
    return HTMLResponse(page, headers=PUBLIC_PAGE_HEADERS)
