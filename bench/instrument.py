"""Requests/s of an instrumented vs a bare FastAPI endpoint, same process, one run.

Two drivers, both in-process: an httpx.AsyncClient over httpx.ASGITransport (a client's view), and
raw ASGI calls with no HTTP client at all (the strictest view: the endpoint costs ~100 us, so every
microsecond of instrumentation shows). Instrumented means `instrument_app` defaults: RED metrics by
route template, in-flight gauge, and an always-sampled server span batched to an exporter.
Rates are requests per second of this process's CPU time (time.process_time, which includes the
span exporter's thread), so other load on the machine skews them less; short rounds alternate
between the two apps and the overhead is the median of the paired (instrumented / bare) ratios.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import CollectorRegistry

from observability.instrument import Telemetry, instrument_app
from observability.instrument.logs import configure_json_logs

REQUESTS_PER_ROUND = 500
SAMPLE_RATIO = 0.1  # OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.1
ROUNDS = 16


class DroppingExporter(SpanExporter):
    """Receives every batch (the processor does its full work) and drops it."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def build_app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app


async def call(app: FastAPI, path: str) -> int:
    status = 0
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status


async def raw_asgi_rate(app: FastAPI, count: int) -> float:
    started = time.process_time()
    for i in range(count):
        assert await call(app, f"/items/{i}") == 200
    return count / (time.process_time() - started)


async def httpx_rate(app: FastAPI, count: int) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        started = time.process_time()
        for i in range(count):
            assert (await client.get(f"/items/{i}")).status_code == 200
        return count / (time.process_time() - started)


Driver = Callable[[FastAPI, int], Awaitable[float]]


async def compare(driver: Driver, bare: FastAPI, instrumented: FastAPI) -> tuple[float, float]:
    await driver(bare, 300)  # warm up (route compilation, caches)
    await driver(instrumented, 300)
    bare_rates, instrumented_rates = [], []
    for _ in range(ROUNDS):
        bare_rates.append(await driver(bare, REQUESTS_PER_ROUND))
        instrumented_rates.append(await driver(instrumented, REQUESTS_PER_ROUND))
    # each round's instrumented rate against the bare round right before it: a paired ratio that
    # slow drifts in machine load cancel out of; the median of those ratios is the overhead
    slowdown = statistics.median(i / b for b, i in zip(bare_rates, instrumented_rates, strict=True))
    bare_rps = statistics.median(bare_rates)
    return bare_rps, bare_rps * slowdown


def report(label: str, bare_rps: float, instrumented_rps: float) -> None:
    overhead = (bare_rps - instrumented_rps) / bare_rps * 100
    added_us = (1 / instrumented_rps - 1 / bare_rps) * 1e6
    print(
        f"{label:<34} bare {bare_rps:7.0f} req/s  instrumented {instrumented_rps:7.0f} req/s  "
        f"overhead {overhead:5.1f} % ({added_us:+.0f} us/request)"
    )


async def main() -> None:
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DroppingExporter()))
    telemetry = Telemetry("bench", provider, CollectorRegistry())
    bare, instrumented = build_app(), instrument_app(build_app(), telemetry)
    print(
        f"{ROUNDS} alternating rounds of {REQUESTS_PER_ROUND} sequential GET /items/{{id}},"
        " requests per CPU-second"
    )
    report("httpx.ASGITransport client", *await compare(httpx_rate, bare, instrumented))
    report("raw ASGI calls (no client)", *await compare(raw_asgi_rate, bare, instrumented))
    sampled_provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(SAMPLE_RATIO)))
    sampled_provider.add_span_processor(BatchSpanProcessor(DroppingExporter()))
    sampled = instrument_app(build_app(), Telemetry("bench", sampled_provider, CollectorRegistry()))
    report(f"httpx, {SAMPLE_RATIO:.0%} of traces sampled", *await compare(httpx_rate, bare, sampled))
    sampled_provider.shutdown()
    with open(os.devnull, "w") as devnull:
        handler = configure_json_logs("bench", devnull)
        logged = instrument_app(build_app(), telemetry, access_log=True)
        report("httpx, + JSON access log (opt-in)", *await compare(httpx_rate, bare, logged))
        logging.getLogger().removeHandler(handler)
    provider.shutdown()
    print("goal: under 10 % slower through a client (see README for what the raw figure means)")


if __name__ == "__main__":
    asyncio.run(main())
