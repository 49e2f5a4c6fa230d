"""Runbooks: the on-call pages in `runbooks/<slug>.md`, as a model, a loader and an HTML renderer.

A runbook is markdown with YAML front matter::

    ---
    title: API is down
    alerts: [PlatformApiDown]
    service: api            # a service name from observability.catalog.SERVICES
    severity: critical      # the highest severity of its alerts
    team: platform          # the service's owning team in the catalog
    dashboards: [obs-api]   # dashboard uids from observability.catalog.DASHBOARDS
    ---
    ## Meaning
    ## Impact
    ## Diagnosis
    ## Mitigation
    ## Escalation

The API, used by `obs check` and the runbook site:

- `load_runbooks(root) -> dict[str, Runbook]`: every `*.md` under `root` except `index.md`, keyed
  by slug (the file name without `.md`, the last part of an alert's `runbook_url`). A file that
  cannot be parsed still loads; its parse error is one of its problems.
- `Runbook.problems() -> list[str]`: what is wrong with one runbook, each line naming the file
  (missing or mistyped front-matter keys, sections missing or out of order, unknown service or
  dashboard uid). Empty when the runbook is valid.
- `Runbook.sections` (its `##` headings in order) and `Runbook.code_blocks("promql")` (fenced
  blocks by info string), so checks can read the queries a runbook tells people to run.
- `render_html(runbook) -> str`: the body as HTML (markdown-it-py, raw HTML disabled so untrusted
  text is escaped; headings get `id` anchors; relative `x.md` links become `x`, the site's paths).
"""

from observability.runbooks.loader import INDEX_FILE, load_runbook, load_runbooks
from observability.runbooks.markdown import render_html, render_markdown
from observability.runbooks.model import REQUIRED_KEYS, SECTIONS, Runbook

__all__ = [
    "INDEX_FILE",
    "REQUIRED_KEYS",
    "SECTIONS",
    "Runbook",
    "load_runbook",
    "load_runbooks",
    "render_html",
    "render_markdown",
]
