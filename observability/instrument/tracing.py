"""A TracerProvider configured by the standard OTEL_* environment variables.

OTEL_SDK_DISABLED=true        no spans are recorded
OTEL_TRACES_EXPORTER          otlp (default), console or none
OTEL_EXPORTER_OTLP_PROTOCOL   http/protobuf (default) or grpc
OTEL_EXPORTER_OTLP[_TRACES]_ENDPOINT, _HEADERS, _TIMEOUT   read by the exporter itself
OTEL_TRACES_SAMPLER[_ARG]     the root sampler; it is always wrapped in ParentBased so a caller's
                              sampling decision (W3C traceparent) is honoured
OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES   resource attributes (the service name given wins)
"""

from __future__ import annotations

import os

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, _get_from_env_or_default


class TracingConfigError(ValueError):
    """An OTEL_* variable has a value this library does not support."""


def parent_based_sampler() -> Sampler:
    """The sampler named by OTEL_TRACES_SAMPLER, made parent-based."""
    sampler = _get_from_env_or_default()
    return sampler if isinstance(sampler, ParentBased) else ParentBased(root=sampler)


def exporter_from_env() -> SpanExporter | None:
    """The span exporter OTEL_TRACES_EXPORTER and OTEL_EXPORTER_OTLP_PROTOCOL ask for, or None."""
    kind = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if kind == "none":
        return None
    if kind == "console":
        return ConsoleSpanExporter()
    if kind != "otlp":
        raise TracingConfigError(f"OTEL_TRACES_EXPORTER={kind!r}: use otlp, console or none")
    protocol = os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    )
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        return GrpcExporter()
    raise TracingConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: use http/protobuf or grpc")


def tracer_provider(service_name: str, exporter: SpanExporter | None) -> TracerProvider:
    """A provider for `service_name` batching spans to `exporter` (none: spans are only sampled)."""
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    resource = Resource.create({SERVICE_NAME: service_name})
    provider = TracerProvider(resource=resource, sampler=parent_based_sampler(), shutdown_on_exit=False)
    if exporter is not None and not disabled:
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    return provider
