"""Outbound calls to a dependency through httpx: calls by outcome, latency, client spans, traceparent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode

from observability.catalog import names
from observability.catalog import platform as catalog

from .metrics import counter, histogram
from .setup import Telemetry


def outcome_of(status: int | None, error: BaseException | None) -> str:
    """success for answers below 500 (a 4xx is the caller's mistake), timeout, else failure."""
    if isinstance(error, httpx.TimeoutException):
        return names.TIMEOUT
    if error is not None or status is None or status >= 500:
        return names.FAILURE
    return names.SUCCESS


class _CallRecorder:
    """Shared by the sync and async transports: one span and one set of samples per call."""

    def __init__(self, telemetry: Telemetry, dependency: str) -> None:
        self.dependency = dependency
        self.tracer = telemetry.tracer
        self.calls = counter(catalog.DEPENDENCY_REQUESTS, telemetry.registry)
        self.duration = histogram(catalog.DEPENDENCY_REQUEST_DURATION, telemetry.registry).labels(dependency)
        for outcome in (names.SUCCESS, names.FAILURE, names.TIMEOUT):  # present at 0 from the start
            self.calls.labels(dependency, outcome)

    @contextmanager
    def call(self, request: httpx.Request) -> Iterator[list[int]]:
        """Wrap one call; the caller appends the response status to the yielded list."""
        status: list[int] = []
        error: BaseException | None = None
        started = time.perf_counter()
        with self.tracer.start_as_current_span(
            f"{request.method} {self.dependency}", kind=SpanKind.CLIENT, record_exception=True
        ) as span:
            propagate.inject(request.headers)
            try:
                yield status
            except BaseException as exc:
                error = exc
                raise
            finally:
                code = status[0] if status else None
                outcome = outcome_of(code, error)
                self.duration.observe(time.perf_counter() - started)
                self.calls.labels(self.dependency, outcome).inc()
                if span.is_recording():
                    span.set_attribute("http.request.method", request.method)
                    span.set_attribute("server.address", request.url.host)
                    span.set_attribute("peer.service", self.dependency)
                    if code is not None:
                        span.set_attribute("http.response.status_code", code)
                    if outcome != names.SUCCESS:
                        span.set_status(Status(StatusCode.ERROR, outcome))


class InstrumentedTransport(httpx.BaseTransport):
    """Wraps a sync transport: `httpx.Client(transport=InstrumentedTransport(telemetry, "embedding-api"))`."""

    def __init__(
        self, telemetry: Telemetry, dependency: str, inner: httpx.BaseTransport | None = None
    ) -> None:
        self.recorder = _CallRecorder(telemetry, dependency)
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.recorder.call(request) as status:
            response = self.inner.handle_request(request)
            status.append(response.status_code)
            return response

    def close(self) -> None:
        self.inner.close()


class InstrumentedAsyncTransport(httpx.AsyncBaseTransport):
    """The async twin of InstrumentedTransport, for `httpx.AsyncClient`."""

    def __init__(
        self, telemetry: Telemetry, dependency: str, inner: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.recorder = _CallRecorder(telemetry, dependency)
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with self.recorder.call(request) as status:
            response = await self.inner.handle_async_request(request)
            status.append(response.status_code)
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()
