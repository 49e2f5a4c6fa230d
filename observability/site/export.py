"""The runbook site as static files: `index.html`, `<slug>.html` and `style.css` in one folder."""

from __future__ import annotations

from pathlib import Path

from observability.ascode.output import Rendered
from observability.site.content import SiteContent
from observability.site.links import exported
from observability.site.runbook_pages import index_page, runbook_page
from observability.site.templates import stylesheet

STYLESHEET_FILE = Path("style.css")
INDEX_FILE = Path("index.html")


def export_site(content: SiteContent, *, public_url: str = "") -> Rendered:
    """Every page by relative path; links are relative so the folder works opened from disk.

    `public_url` is the live service, for the header's Incidents link ("" leaves it out).
    """
    links = exported(public_url)
    pages: dict[Path, str] = {INDEX_FILE: index_page(content, links), STYLESHEET_FILE: stylesheet()}
    for slug in content.runbooks:
        pages[Path(links.runbook(slug))] = runbook_page(content, slug, links)
    return pages
