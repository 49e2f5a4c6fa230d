"""PromQL over the incident service's own gauges, shared by its dashboard and the platform overview."""

from __future__ import annotations

from collections.abc import Sequence

from observability.catalog import names as n
from observability.catalog.platform import INCIDENTS_OPEN

from .queries import Matchers, highest, selector, total, zero_if_absent

# Every replica exports the same database count: one value per (severity, service), not their sum.
INCIDENT_KEY = (n.SEVERITY, n.SERVICE)


def open_incidents(matchers: Matchers, by: Sequence[str] = ()) -> str:
    """Open incidents, per group of `by`; ungrouped, 0 rather than no data while none is open."""
    counted = total(highest(selector(INCIDENTS_OPEN, matchers), INCIDENT_KEY), by)
    return counted if by else zero_if_absent(counted)
