"""setup(): OTEL_* environment, parent-based sampling, JSON logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased
from prometheus_client import CollectorRegistry

from observability.instrument import setup
from observability.instrument.logs import JsonFormatter
from observability.instrument.tracing import TracingConfigError, exporter_from_env


def test_sampler_from_environment_is_parent_based(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    telemetry = setup("api", registry=CollectorRegistry(), span_exporter=None, set_global=False)
    sampler = telemetry.tracer_provider.sampler
    assert isinstance(sampler, ParentBased)
    assert "0.25" in sampler.get_description()
    drop_json_handlers()


def test_otlp_http_exporter_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:1/v1/traces")
    assert isinstance(exporter_from_env(), OTLPSpanExporter)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert exporter_from_env() is None
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin")
    with pytest.raises(TracingConfigError, match="OTEL_TRACES_EXPORTER"):
        exporter_from_env()


def test_logs_are_json_with_the_service_name_and_extras() -> None:
    stream = io.StringIO()
    setup("worker", registry=CollectorRegistry(), span_exporter=None, log_stream=stream, set_global=False)
    try:
        logging.getLogger("demo").info("claimed", extra={"job_id": 7})
    finally:
        drop_json_handlers()
    line = json.loads(stream.getvalue())
    assert line["service"] == "worker"
    assert line["message"] == "claimed"
    assert line["job_id"] == 7
    assert "trace_id" not in line  # no span is current


def drop_json_handlers() -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]:
        root.removeHandler(handler)
