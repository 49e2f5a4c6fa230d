"""Outbound dependency calls: outcome per call, latency, client spans and traceparent injection."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from observability.catalog import platform as catalog
from observability.instrument import InstrumentedTransport, Telemetry


def calls(telemetry: Telemetry, outcome: str) -> float | None:
    return telemetry.registry.get_sample_value(
        catalog.DEPENDENCY_REQUESTS.name, {"dependency": "embedding-api", "outcome": outcome}
    )


def test_calls_are_counted_by_outcome_and_timed(telemetry: Telemetry) -> None:
    seen_traceparents: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen_traceparents.append(request.headers.get("traceparent"))
        if request.url.path == "/slow":
            raise httpx.ReadTimeout("too slow", request=request)
        return httpx.Response({"/ok": 200, "/bad-input": 422, "/down": 503}[request.url.path])

    transport = InstrumentedTransport(telemetry, "embedding-api", httpx.MockTransport(answer))
    with httpx.Client(transport=transport, base_url="http://embed") as client:
        client.get("/ok")
        client.get("/bad-input")
        client.get("/down")
        with pytest.raises(httpx.ReadTimeout):
            client.get("/slow")

    assert calls(telemetry, "success") == 2  # a 4xx is the caller's mistake, not the dependency's
    assert calls(telemetry, "failure") == 1
    assert calls(telemetry, "timeout") == 1
    count = telemetry.registry.get_sample_value(
        catalog.DEPENDENCY_REQUEST_DURATION.name + "_count", {"dependency": "embedding-api"}
    )
    assert count == 4
    assert all(header and header.startswith("00-") for header in seen_traceparents)


def test_client_span_is_the_parent_the_dependency_sees(
    telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    headers: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["traceparent"])
        return httpx.Response(200)

    transport = InstrumentedTransport(telemetry, "embedding-api", httpx.MockTransport(answer))
    with httpx.Client(transport=transport) as client:
        client.post("http://embed/embed")

    (span,) = spans.get_finished_spans()
    assert span.kind is SpanKind.CLIENT
    _, trace_id, span_id, _ = headers[0].split("-")
    assert trace_id == format(span.context.trace_id, "032x")
    assert span_id == format(span.context.span_id, "016x")
