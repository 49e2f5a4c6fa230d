"""`setup(service_name)`: tracing, JSON logs and the Prometheus registry for one process."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import IO

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client import REGISTRY, CollectorRegistry

from .logs import configure_json_logs
from .tracing import exporter_from_env, tracer_provider

_UNSET: SpanExporter = object()  # type: ignore[assignment]


@dataclass(frozen=True)
class Telemetry:
    """What a service's instrumentation needs: its name, tracer and metric registry."""

    service_name: str
    tracer_provider: TracerProvider
    registry: CollectorRegistry

    @property
    def tracer(self) -> trace.Tracer:
        return self.tracer_provider.get_tracer("observability.instrument")

    def shutdown(self) -> None:
        """Flush spans still batched; call before the process exits."""
        self.tracer_provider.shutdown()


def setup(
    service_name: str,
    *,
    registry: CollectorRegistry | None = None,
    span_exporter: SpanExporter | None = _UNSET,
    log_stream: IO[str] | None = None,
    log_level: int = logging.INFO,
    set_global: bool = True,
) -> Telemetry:
    """Configure tracing (OTEL_* env), JSON logs on stdout and the metric registry.

    `registry` defaults to prometheus-client's global one (with process metrics);
    `span_exporter` defaults to the one OTEL_TRACES_EXPORTER names.
    """
    exporter = exporter_from_env() if span_exporter is _UNSET else span_exporter
    provider = tracer_provider(service_name, exporter)
    if set_global:
        trace.set_tracer_provider(provider)
    configure_json_logs(service_name, log_stream or sys.stdout, log_level)
    return Telemetry(service_name, provider, registry if registry is not None else REGISTRY)
