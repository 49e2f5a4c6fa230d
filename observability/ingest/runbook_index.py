"""Alert name -> runbook link, read from the front matter of `runbooks/*.md` (its `alerts:` list)."""

from __future__ import annotations

import logging
from pathlib import Path

from observability.incidents.alert_facts import RunbookLink

log = logging.getLogger(__name__)


def load_runbook_index(folder: Path, *, public_url: str, grafana_url: str) -> dict[str, RunbookLink]:
    """Every alert name a runbook claims, mapped to the runbook's page and its dashboards."""
    from observability.runbooks import load_runbooks

    index: dict[str, RunbookLink] = {}
    if not folder.is_dir():
        log.warning("no runbook folder at %s: every incident will count as missing its runbook", folder)
        return index
    base, grafana = public_url.rstrip("/"), grafana_url.rstrip("/")
    for slug, runbook in sorted(load_runbooks(folder).items()):
        link = RunbookLink(
            url=f"{base}/runbooks/{slug}",
            dashboard_urls=tuple(f"{grafana}/d/{uid}" for uid in runbook.dashboards),
            slug=slug,
        )
        for alertname in runbook.alerts:
            index.setdefault(alertname, link)
    return index
