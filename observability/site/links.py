"""How a page links to the rest of the site, served (`/runbooks/<slug>`) or exported (`<slug>.html`)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace

# A runbook slug as the site accepts it; anything else (dots, slashes, upper case) is a 404.
SLUG_PATTERN = re.compile(r"[a-z0-9-]{1,100}")
# markdown-it escapes quotes in text, so every `href="…"` in its output is a real attribute.
_HREF = re.compile(r'href="([^"]*)"')


@dataclass(frozen=True)
class Links:
    """Relative links from one kind of page; `runbook_suffix` is "" served and ".html" exported."""

    home: str  # the runbook index page
    stylesheet: str
    incidents: str
    runbook_suffix: str = ""
    oncall: str = ""  # the on-call page ("" where there is none)
    script: str = ""  # local-time.js ("" in the static export, which shows no live times)
    search: str = ""  # the runbook search ("" in the static export: it runs on the service)
    live_runbooks: str = ""  # the export's pointer to the service's runbook pages, which show what fires

    def incident(self, incident_id: int) -> str:
        return f"{self.incidents}{incident_id}"

    def review(self, incident_id: int) -> str:
        return f"{self.incidents}{incident_id}/review"

    @property
    def runbooks_table(self) -> str:
        """The generated table of every runbook, on the index page."""
        return f"{self.home}#all-runbooks"

    def runbook(self, slug: str) -> str:
        return f"{slug}{self.runbook_suffix}"

    def relink(self, html: str, slugs: Collection[str]) -> str:
        """Point the body's site links (`x`, `./` from render_html) at this kind of page."""
        if not self.runbook_suffix:
            return html  # render_html already writes the served site's paths

        def target(match: re.Match[str]) -> str:
            path, hash_, fragment = match[1].partition("#")
            if path == "./":
                return f'href="{self.home}{hash_}{fragment}"'
            if path in slugs:
                return f'href="{self.runbook(path)}{hash_}{fragment}"'
            return match[0]

        return _HREF.sub(target, html)


# Runbook pages served at /runbooks/ and /runbooks/<slug>: siblings in one folder.
RUNBOOK_PAGES = Links(
    home="./",
    stylesheet="static/style.css",
    incidents="../incidents/",
    oncall="../oncall/",
    script="static/local-time.js",
    search="search",
)
# Incident pages at /incidents/ and /incidents/<id>.
INCIDENT_PAGES = Links(
    home="../runbooks/",
    stylesheet="../runbooks/static/style.css",
    incidents="./",
    oncall="../oncall/",
    script="../runbooks/static/local-time.js",
    search="../runbooks/search",
)
# The on-call page at /oncall/.
ONCALL_PAGES = replace(INCIDENT_PAGES, incidents="../incidents/", oncall="./")
# The static export: index.html, <slug>.html and style.css in one folder, openable from disk.
# It has no incident pages; `exported(...)` points the header at the live service's.
EXPORTED = Links(home="index.html", stylesheet="style.css", incidents="", runbook_suffix=".html")


def exported(public_url: str) -> Links:
    """Export links whose header sends people to the live service's incident and on-call pages."""
    if not public_url:
        return EXPORTED
    base = public_url.rstrip("/")
    return replace(
        EXPORTED,
        incidents=f"{base}/incidents/",
        oncall=f"{base}/oncall/",
        search=f"{base}/runbooks/search",
        live_runbooks=f"{base}/runbooks/",
    )
