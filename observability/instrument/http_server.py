"""FastAPI/Starlette instrumentation: a pure ASGI middleware for RED metrics, spans and access logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from fastapi import FastAPI, Response
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from observability.catalog import platform as catalog

from .metrics import counter, gauge, histogram
from .setup import Telemetry

# The route label of requests no route matched (404s for random paths): one series, not one per path.
UNMATCHED_ROUTE = "<unmatched>"

access_log = logging.getLogger("observability.access")


def route_template(scope: Scope) -> str:
    """The matched route's template (`/jobs/{job_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED_ROUTE
    return scope.get("root_path", "") + path


def _header_carrier(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in headers}


class PrometheusMiddleware:
    """Per request: rate, errors and duration by route template, in-flight, a server span, a log line."""

    def __init__(self, app: ASGIApp, telemetry: Telemetry, *, access_log: bool = True) -> None:
        self.app = app
        self.tracer = telemetry.tracer
        self.access_log = access_log
        self.requests = counter(catalog.HTTP_REQUESTS, telemetry.registry)
        self.duration = histogram(catalog.HTTP_REQUEST_DURATION, telemetry.registry)
        self.in_flight = gauge(catalog.HTTP_REQUESTS_IN_FLIGHT, telemetry.registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        status = 500  # what the client sees when the app raises before answering
        parent = propagate.extract(_header_carrier(scope.get("headers", ())))

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        in_flight = self.in_flight.labels(method)
        in_flight.inc()
        started = time.perf_counter()
        native = _native_server_span(scope)
        server_span = (
            nullcontext(native)
            if native is not None
            else self.tracer.start_as_current_span(
                method,
                context=parent,
                kind=SpanKind.SERVER,
                record_exception=True,
                set_status_on_exception=True,
            )
        )
        with server_span as span:
            try:
                await self.app(scope, receive, send_with_status)
            finally:
                elapsed = time.perf_counter() - started
                in_flight.dec()
                route = route_template(scope)
                self.requests.labels(method, route, str(status)).inc()
                self.duration.labels(method, route).observe(elapsed)
                if native is None:
                    self._finish_span(span, method, route, status)
                if self.access_log:
                    access_log.info(
                        "request handled",
                        extra={
                            "http_method": method,
                            "http_route": route,
                            "http_status": status,
                            "duration_ms": round(elapsed * 1000, 3),
                        },
                    )

    @staticmethod
    def _finish_span(span: trace.Span, method: str, route: str, status: int) -> None:
        if not span.is_recording():
            return
        span.update_name(f"{method} {route}")
        span.set_attribute("http.request.method", method)
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))


def _native_server_span(scope: Scope) -> trace.Span | None:
    """The server span FastAPI's own telemetry (FastAPI >= 0.160) opened for this request, if any.

    Reusing it keeps one server span per request; log lines then carry its ids.
    """
    if scope.get("fastapi.telemetry") is None:
        return None
    current = trace.get_current_span()
    return current if current.is_recording() else None


def metrics_endpoint(registry: CollectorRegistry) -> Any:
    """A FastAPI handler serving `registry` in the Prometheus text format."""

    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


def instrument_app(app: FastAPI, telemetry: Telemetry, *, access_log: bool = True) -> FastAPI:
    """Add the middleware and a `/metrics` route (left out of the OpenAPI schema)."""
    app.add_middleware(PrometheusMiddleware, telemetry=telemetry, access_log=access_log)
    app.add_api_route("/metrics", metrics_endpoint(telemetry.registry), include_in_schema=False)
    return app
