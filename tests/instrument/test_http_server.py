"""The FastAPI middleware: labels by route template, status codes, spans, trace ids in logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from observability.catalog import platform as catalog
from observability.instrument import UNMATCHED_ROUTE, Telemetry, instrument_app
from observability.instrument.logs import configure_json_logs


def build_app(telemetry: Telemetry) -> FastAPI:
    app = FastAPI()

    @app.get("/jobs/{job_id}")
    def read_job(job_id: str) -> dict[str, str]:
        if job_id == "missing":
            raise HTTPException(404, "no such job")
        return {"id": job_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    return instrument_app(app, telemetry, access_log=True)


def requests_total(telemetry: Telemetry, route: str, status: str) -> float | None:
    return telemetry.registry.get_sample_value(
        catalog.HTTP_REQUESTS.name, {"method": "GET", "route": route, "status": status}
    )


@pytest.fixture
def client(telemetry: Telemetry) -> TestClient:
    return TestClient(build_app(telemetry), raise_server_exceptions=False)


def test_requests_are_labelled_by_route_template_never_raw_path(
    client: TestClient, telemetry: Telemetry
) -> None:
    for job_id in ("a1", "b2", "missing"):
        client.get(f"/jobs/{job_id}")
    client.get("/random/path/1")
    client.get("/random/path/2")

    assert requests_total(telemetry, "/jobs/{job_id}", "200") == 2
    assert requests_total(telemetry, "/jobs/{job_id}", "404") == 1
    assert requests_total(telemetry, UNMATCHED_ROUTE, "404") == 2
    exposed = [s.labels.get("route") for m in telemetry.registry.collect() for s in m.samples]
    assert not any(route and route.startswith("/random") for route in exposed)
    count = telemetry.registry.get_sample_value(
        catalog.HTTP_REQUEST_DURATION.name + "_count", {"method": "GET", "route": "/jobs/{job_id}"}
    )
    assert count == 3
    assert telemetry.registry.get_sample_value(catalog.HTTP_REQUESTS_IN_FLIGHT.name, {"method": "GET"}) == 0


def test_unhandled_exception_counts_as_500_with_an_error_span(
    client: TestClient, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    response = client.get("/boom")

    assert response.status_code == 500
    assert requests_total(telemetry, "/boom", "500") == 1
    (span,) = spans.get_finished_spans()
    assert span.name == "GET /boom"
    assert span.kind is SpanKind.SERVER
    assert not span.status.is_ok


def test_server_span_continues_the_callers_w3c_trace(client: TestClient, spans: InMemorySpanExporter) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    client.get("/jobs/x", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})

    (span,) = spans.get_finished_spans()
    assert format(span.context.trace_id, "032x") == trace_id
    assert span.parent is not None and format(span.parent.span_id, "016x") == parent_id
    assert span.attributes is not None and span.attributes["http.route"] == "/jobs/{job_id}"


def test_access_log_line_carries_the_trace_id_of_the_request_span(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    stream = io.StringIO()
    handler = configure_json_logs("test", stream)
    try:
        client.get("/jobs/abc")
    finally:
        logging.getLogger().removeHandler(handler)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (access,) = [line for line in lines if line["message"] == "request handled"]
    (span,) = spans.get_finished_spans()
    assert access["trace_id"] == format(span.context.trace_id, "032x")
    assert access["span_id"] == format(span.context.span_id, "016x")
    assert access["http_route"] == "/jobs/{job_id}"
    assert access["http_status"] == 200


def test_made_up_methods_share_one_series(client: TestClient, telemetry: Telemetry) -> None:
    for method in ("FOO", "BAR"):
        client.request(method, "/jobs/1")

    assert (
        telemetry.registry.get_sample_value(
            catalog.HTTP_REQUESTS.name, {"method": "_OTHER", "route": "/jobs/{job_id}", "status": "405"}
        )
        == 2
    )


def test_one_server_span_per_request_when_fastapi_would_trace_too(
    telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    # A provider FastAPI knows of turns its own tracing on (as a global provider does in a service):
    # a server span and three operation spans per request, unless instrument_app turns it off.
    app = FastAPI(telemetry={"tracer_provider": telemetry.tracer_provider})

    @app.get("/jobs/{job_id}")
    def read_job(job_id: str) -> dict[str, str]:
        return {"id": job_id}

    client = TestClient(instrument_app(app, telemetry))
    assert client.get("/jobs/7").status_code == 200

    (span,) = spans.get_finished_spans()
    assert (span.name, span.kind) == ("GET /jobs/{job_id}", SpanKind.SERVER)
