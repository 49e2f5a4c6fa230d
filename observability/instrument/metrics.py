"""prometheus-client metric objects built from catalog definitions, one per registry."""

from __future__ import annotations

import threading
import weakref
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from observability.catalog import Metric, MetricKind

PrometheusMetric = Counter | Gauge | Histogram
T = TypeVar("T", Counter, Gauge, Histogram)

_lock = threading.Lock()
_built: weakref.WeakKeyDictionary[CollectorRegistry, dict[str, PrometheusMetric]] = (
    weakref.WeakKeyDictionary()
)


def metric(definition: Metric, registry: CollectorRegistry) -> PrometheusMetric:
    """The registry's metric object for a catalog metric, created on first use."""
    with _lock:
        in_registry = _built.setdefault(registry, {})
        found = in_registry.get(definition.name)
        if found is None:
            found = in_registry[definition.name] = _build(definition, registry)
        return found


def _typed(definition: Metric, registry: CollectorRegistry, kind: type[T]) -> T:
    built = metric(definition, registry)
    if not isinstance(built, kind):
        raise TypeError(f"{definition.name} is a {definition.kind} in the catalog, not a {kind.__name__}")
    return built


def counter(definition: Metric, registry: CollectorRegistry) -> Counter:
    return _typed(definition, registry, Counter)


def gauge(definition: Metric, registry: CollectorRegistry) -> Gauge:
    return _typed(definition, registry, Gauge)


def histogram(definition: Metric, registry: CollectorRegistry) -> Histogram:
    return _typed(definition, registry, Histogram)


def _build(definition: Metric, registry: CollectorRegistry) -> PrometheusMetric:
    labels = list(definition.labels)
    if definition.kind is MetricKind.COUNTER:
        return Counter(definition.name, definition.help, labels, registry=registry)
    if definition.kind is MetricKind.GAUGE:
        return Gauge(definition.name, definition.help, labels, registry=registry)
    return Histogram(definition.name, definition.help, labels, registry=registry, buckets=definition.buckets)
