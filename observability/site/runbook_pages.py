"""Runbook pages as whole HTML documents: the index, one runbook, and the 404 page."""

from __future__ import annotations

from markupsafe import Markup

from observability.runbooks import render_html, render_markdown
from observability.runbooks.markdown import anchor_id
from observability.site.content import SiteContent
from observability.site.links import Links
from observability.site.templates import render


def index_page(content: SiteContent, links: Links) -> str:
    """`runbooks/index.md` followed by a table of every runbook by service."""
    return render(
        "index.html",
        links=links,
        intro=_trusted(links.relink(render_markdown(content.index_markdown), content.runbooks)),
        groups=content.by_service(),
    )


def runbook_page(content: SiteContent, slug: str, links: Links) -> str:
    """One runbook: its front matter as a header block, any problems, then its body (KeyError if unknown)."""
    runbook = content.runbooks[slug]
    return render(
        "runbook.html",
        links=links,
        runbook=runbook,
        dashboards=content.dashboards(runbook),
        problems=runbook.problems(),
        toc=[(title, anchor_id(title)) for title in runbook.sections],
        body=_trusted(links.relink(render_html(runbook), content.runbooks)),
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
