"""Runbook pages as whole HTML documents: the index, one runbook, and the 404 page."""

from __future__ import annotations

from markupsafe import Markup

from observability.runbooks import render_html, render_markdown
from observability.runbooks.markdown import anchor_id
from observability.site.content import SiteContent
from observability.site.links import Links
from observability.site.runbook_live import RunbookLive
from observability.site.search import MAX_QUERY_LENGTH, search_runbooks
from observability.site.templates import render

INDEX_SEVERITIES = ("critical", "warning", "info", "none")


def index_page(content: SiteContent, links: Links) -> str:
    """`runbooks/index.md`, a grid of runbooks by service and severity, then a table of each service's."""
    groups = content.by_service()
    severities = [
        severity
        for severity in (*INDEX_SEVERITIES, *sorted({rb.severity for rb in content.runbooks.values()}))
        if any(rb.severity == severity for rb in content.runbooks.values())
    ]
    return render(
        "index.html",
        links=links,
        intro=_trusted(links.relink(render_markdown(content.index_markdown), content.runbooks)),
        groups=groups,
        severities=list(dict.fromkeys(severities)),
    )


def search_page(content: SiteContent, links: Links, query: str) -> str:
    """The search form and the runbooks matching every word of `query`, best first."""
    return render(
        "search.html",
        links=links,
        query=query,
        hits=search_runbooks(content.runbooks, query),
        max_length=MAX_QUERY_LENGTH,
    )


def runbook_body(content: SiteContent, slug: str, links: Links) -> Markup:
    """The runbook's markdown as HTML with the site's links (KeyError if unknown)."""
    return _trusted(links.relink(render_html(content.runbooks[slug]), content.runbooks))


def runbook_page(
    content: SiteContent,
    slug: str,
    links: Links,
    *,
    live: RunbookLive | None = None,
    body: Markup | None = None,
    next_path: str = "",
) -> str:
    """One runbook: its front matter as a header block, what fires now, any problems, then its body.

    `live` is what the service shows a signed-in viewer; without it a served page offers to sign in
    (and come back to `next_path`) and an exported page points at the live service. `body` is a cached
    `runbook_body`. KeyError if `slug` is unknown.
    """
    runbook = content.runbooks[slug]
    return render(
        "runbook.html",
        links=links,
        runbook=runbook,
        dashboards=content.dashboards(runbook),
        problems=runbook.problems(),
        toc=[(title, anchor_id(title)) for title in runbook.sections],
        body=body if body is not None else runbook_body(content, slug, links),
        live=live,
        next_path=next_path,
    )


def not_found_page(links: Links, what: str) -> str:
    """The 404 page, naming what was asked for."""
    return render("not_found.html", links=links, what=what)


def error_page(links: Links, *, title: str, message: str) -> str:
    """An error page for a browser (what was refused and why), in the site's frame."""
    return render("error.html", links=links, title=title, message=message)


def _trusted(html: str) -> Markup:
    # render_markdown runs with raw HTML disabled: its output holds no markup from the source text.
    return Markup(html)
