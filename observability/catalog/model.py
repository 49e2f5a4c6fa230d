"""The catalog's vocabulary: plain, frozen data with no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MetricKind(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


@dataclass(frozen=True)
class Metric:
    """One metric family as Prometheus exposes it (counters end in ``_total``)."""

    name: str
    kind: MetricKind
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()
    unit: str = ""


@dataclass(frozen=True)
class Service:
    """A component of the platform that we scrape, chart and alert on."""

    name: str
    job: str  # the Prometheus job label of its scrape targets
    team: str
    title: str
    description: str
    dashboard: str  # slug of its main dashboard
    alert_prefix: str  # CamelCase prefix of its alert names
    metrics: tuple[Metric, ...] = ()


@dataclass(frozen=True)
class Dependency:
    """An external API the platform calls; its calls carry ``dependency=<name>``."""

    name: str
    title: str
    description: str


@dataclass(frozen=True)
class SLO:
    """A service level objective as a ratio of bad events to all events.

    ``errors`` and ``total`` are PromQL expressions with a literal ``{window}`` placeholder for
    the range (replaced as text, not ``str.format``: PromQL has braces of its own).
    """

    name: str
    service: str
    title: str
    description: str
    objective: float  # e.g. 0.999
    errors: str
    total: str
    window_days: int = 30
    runbook: str = ""


@dataclass(frozen=True)
class BurnRateWindow:
    """One pair of windows of a multiwindow, multi-burn-rate alert (SRE workbook, ch. 5)."""

    severity: str
    long: str
    short: str
    factor: float
    for_: str = "2m"
    name: str = ""  # e.g. "page-fast"


@dataclass(frozen=True)
class Dashboard:
    """A generated Grafana dashboard: its slug names the source file and its uid is stable."""

    slug: str
    uid: str
    title: str
    description: str
    tags: tuple[str, ...] = field(default_factory=tuple)
