"""The "target down" alert every scraped service of ours has, built one way."""

from __future__ import annotations

from observability.catalog import Service, exporters, names

from .model import AlertRule
from .selectors import series


def target_down_alert(
    service: Service, *, name: str, summary: str, subject: str, impact: str, runbook: str
) -> AlertRule:
    """Fires per instance whose scrape fails (`up == 0`), or once for the job when none is discovered."""
    up = series(exporters.UP, job=service.job)
    return AlertRule(
        name=name,
        expr=f"{up} == 0 or absent({up})",
        for_="2m",
        severity=names.CRITICAL,
        service=service,
        summary=summary,
        # `with`: an absent() series has no instance label, so the sentence drops that part.
        description=(
            f"Prometheus cannot scrape {subject} (job {{{{ $labels.job }}}}"
            f"{{{{ with $labels.instance }}}}, instance {{{{ . }}}}{{{{ end }}}}) for 2 minutes: {impact}"
        ),
        runbook=runbook,
    )
