"""The instrumentations compared, each applied to a fresh copy of the same app.

- bare: no instrumentation; FastAPI's own telemetry off too (as in a process with no OpenTelemetry
  provider configured), so nothing is counted twice.
- project: what a service gets from `setup()` + `instrument_app` defaults (RED metrics by route
  template, in-flight gauge, one server span batched to the OTLP/HTTP exporter).
- community: what a user would pick instead: `opentelemetry-instrumentation-fastapi` on an SDK
  TracerProvider with the same OTLP/HTTP exporter in a BatchSpanProcessor, plus
  `prometheus-fastapi-instrumentator` with `Instrumentator().instrument(app).expose(app)`, both
  at their defaults.
Both instrumented stacks sample with ParentBased(TraceIdRatioBased(ratio)).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

from observability.instrument import Telemetry, instrument_app
from observability.instrument.tracing import exporter_from_env, tracer_provider

from .asgi_calls import Request, call_expecting
from .receiver import Receiver
from .workloads import AppFactory, Workload

SERVICE = "bench"
# FastAPI (>= 0.160) traces itself once a global tracer provider exists: left on, the bare side
# would be slower and every overhead would look smaller than it is.
NO_FASTAPI_TELEMETRY = {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


@dataclass(frozen=True)
class Stack:
    """One instrumentation: how to build an app with it, and the tracer provider to flush."""

    name: str
    sampling: float | None  # None: no tracing at all
    instrument: Callable[[FastAPI], FastAPI]
    fastapi_options: dict[str, Any] = field(default_factory=dict)
    provider: TracerProvider | None = None

    def build(self, routes: AppFactory) -> FastAPI:
        return self.instrument(routes(**self.fastapi_options))

    def flush(self) -> None:
        """Export every span still batched (so each stack pays for its own exports)."""
        if self.provider is not None and not self.provider.force_flush(timeout_millis=30_000):
            raise RuntimeError(f"{self.name}: spans were not exported within 30 s")

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()

    @property
    def label(self) -> str:
        return self.name if self.sampling is None else f"{self.name}, {self.sampling:.0%} sampled"


def bare() -> Stack:
    return Stack("bare", None, lambda app: app, fastapi_options=NO_FASTAPI_TELEMETRY)


def project(traces_url: str, sampling: float) -> Stack:
    provider = project_provider(traces_url, sampling)
    telemetry = Telemetry(SERVICE, provider, CollectorRegistry())
    return Stack("project", sampling, lambda app: instrument_app(app, telemetry), provider=provider)


def community(traces_url: str, sampling: float) -> Stack:
    provider = community_provider(traces_url, sampling)

    def instrument(app: FastAPI) -> FastAPI:
        FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
        # its own registry, as the project's: several apps in one process, each with its series
        Instrumentator(registry=CollectorRegistry()).instrument(app).expose(app)
        return app

    return Stack("community", sampling, instrument, provider=provider)


def project_provider(traces_url: str, sampling: float) -> TracerProvider:
    """The provider `setup()` builds from these OTEL_* settings (OTLP/HTTP, batched, parent-based)."""
    settings = {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces_url,
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": str(sampling),
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        return tracer_provider(SERVICE, exporter_from_env())
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def community_provider(traces_url: str, sampling: float) -> TracerProvider:
    """The provider the SDK's documentation has a user write: same exporter, same sampler."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: SERVICE}),
        sampler=ParentBased(root=TraceIdRatioBased(sampling)),
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url)))
    return provider


async def check_ships_telemetry(stack: Stack, workload: Workload, receiver: Receiver) -> None:
    """Fail unless the stack's app really exports spans and serves metrics: else nothing is measured."""
    app = stack.build(workload.routes)
    before = receiver.exports()
    for request, expected in workload.exchanges(200):  # at 10 % sampling, P(no span sampled) ~ 1e-9
        await call_expecting(app, request, expected)
    stack.flush()
    if stack.sampling and receiver.exports() == before:
        raise RuntimeError(f"{stack.label}: no span reached the OTLP receiver")
    await call_expecting(app, Request("GET", "/metrics"), 200)
