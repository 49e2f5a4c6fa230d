"""The on-call site: runbook pages (served at /runbooks/ and exported as static HTML) and incident pages.

One page builder serves both: the router and `obs runbooks export` call the same functions and
differ only in their `Links` (how a page names the index, a runbook, the stylesheet):

- `load_site(content_root, grafana_url) -> SiteContent`: the runbooks and `runbooks/index.md`, read
  once.
- `index_page(content, links)`, `runbook_page(content, slug, links)`, `not_found_page(...)`,
  `error_page(...)`:
  whole HTML documents (jinja2, autoescaped; runbook bodies come from `render_html`, which escapes
  raw HTML).
- `incident_list_page(...)`, `incident_page(...)`, `login_page(...)`: incident views (with
  responders' forms) and the sign-in form in front of them.
- `stylesheet()`: the one CSS file (no external assets).
"""

from observability.site.content import SiteContent, load_site
from observability.site.incident_pages import incident_list_page, incident_page, login_page
from observability.site.links import EXPORTED, INCIDENT_PAGES, RUNBOOK_PAGES, SLUG_PATTERN, Links
from observability.site.runbook_pages import error_page, index_page, not_found_page, runbook_page
from observability.site.templates import stylesheet

__all__ = [
    "EXPORTED",
    "INCIDENT_PAGES",
    "RUNBOOK_PAGES",
    "SLUG_PATTERN",
    "Links",
    "SiteContent",
    "error_page",
    "incident_list_page",
    "incident_page",
    "index_page",
    "load_site",
    "login_page",
    "not_found_page",
    "runbook_page",
    "stylesheet",
]
