"""The runbook site as static files: `index.html`, `<slug>.html` and `style.css` in one folder."""

from __future__ import annotations

from pathlib import Path

from observability.ascode.output import Rendered
from observability.site.content import SiteContent
from observability.site.link_check import broken_links
from observability.site.links import exported
from observability.site.runbook_pages import index_page, runbook_page
from observability.site.templates import stylesheet

STYLESHEET_FILE = Path("style.css")
INDEX_FILE = Path("index.html")


class BrokenLinks(Exception):
    """The export links somewhere inside itself that does not exist; one line per link, naming the page."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} broken internal link(s)")
        self.problems = problems


def export_site(content: SiteContent, *, public_url: str = "") -> Rendered:
    """Every page by relative path; links are relative so the folder works opened from disk.

    `public_url` is the live service, for the header's Incidents link ("" leaves it out). Raises
    BrokenLinks, before anything is written, when a page links to a page or anchor the export lacks.
    """
    links = exported(public_url)
    pages: dict[Path, str] = {INDEX_FILE: index_page(content, links), STYLESHEET_FILE: stylesheet()}
    for slug in content.runbooks:
        pages[Path(links.runbook(slug))] = runbook_page(content, slug, links)
    problems = broken_links(pages)
    if problems:
        raise BrokenLinks(problems)
    return pages
