"""The catalog: one description of the platform that everything else reads."""

from . import names
from .exporters import KNOWN_EXPORTER_METRICS
from .model import SLO, BurnRateWindow, Dashboard, Dependency, Metric, MetricKind, Service
from .platform import DASHBOARDS, DEPENDENCY_LIST, PROCESS_METRICS, SERVICES, SLOS
from .slo import BURN_RATE_WINDOWS

__all__ = [
    "BURN_RATE_WINDOWS",
    "DASHBOARDS",
    "DEPENDENCY_LIST",
    "KNOWN_EXPORTER_METRICS",
    "SERVICES",
    "SLO",
    "SLOS",
    "BurnRateWindow",
    "Dashboard",
    "Dependency",
    "Metric",
    "MetricKind",
    "Service",
    "all_metrics",
    "dashboard",
    "names",
    "service",
]


def all_metrics() -> dict[str, Metric]:
    """Every metric the platform's own code exposes, by name."""
    found = {metric.name: metric for metric in PROCESS_METRICS}
    for svc in SERVICES:
        for metric in svc.metrics:
            found[metric.name] = metric
    return found


def service(name: str) -> Service:
    for svc in SERVICES:
        if svc.name == name:
            return svc
    raise KeyError(f"no service {name!r} in the catalog")


def dashboard(slug: str) -> Dashboard:
    for board in DASHBOARDS:
        if board.slug == slug:
            return board
    raise KeyError(f"no dashboard {slug!r} in the catalog")
