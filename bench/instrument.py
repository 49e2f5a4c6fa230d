"""Requests/s of an instrumented vs a bare FastAPI endpoint, same process, one run.

Two drivers, both in-process: an httpx.AsyncClient over httpx.ASGITransport (a client's view), and
raw ASGI calls with no HTTP client at all (the strictest view: the endpoint costs ~100 us, so every
microsecond of instrumentation shows). Instrumented means what a service gets from `setup()` and
`instrument_app` defaults: the tracer provider setup() builds (set as the global one, so FastAPI's
own telemetry sees it as in a service), RED metrics by route template, an in-flight gauge, and a
server span batched to the real OTLP/HTTP exporter, posting to a local receiver in a child process
(it answers 200 and drops the spans: its CPU is the collector's, not the service's). Bare is the
same app without any of it: FastAPI routing and validation, FastAPI's own telemetry off (as in a
process where no OpenTelemetry provider is configured).
Rates are requests per second of this process's CPU time (time.process_time, which includes the
span exporter's thread: encoding and posting spans), so other load on the machine skews them less;
short rounds alternate between the two apps and the overhead is the median of the paired
(instrumented / bare) ratios.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import httpx
import report
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry

from observability.instrument import Telemetry, instrument_app
from observability.instrument.logs import configure_json_logs
from observability.instrument.tracing import exporter_from_env, tracer_provider

REQUESTS_PER_ROUND = 500
GOAL_PERCENT = 10.0
SAMPLE_RATIO = 0.1
ROUNDS = 16

# An OTLP/HTTP receiver that accepts every export (HTTP/1.1 keep-alive, as a collector) and drops
# it; prints its port, then serves until killed.
RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Accept(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Accept)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@contextmanager
def otlp_receiver() -> Iterator[str]:
    """The traces URL of an accepting OTLP/HTTP receiver in a child process, stopped after."""
    child = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield f"http://127.0.0.1:{int(child.stdout.readline())}/v1/traces"
    finally:
        child.terminate()
        child.wait(timeout=10)


def production_provider(traces_url: str, sampler: str, sampler_arg: str = "") -> TracerProvider:
    """The provider setup() builds from these OTEL_* settings: OTLP/HTTP exporter, batched."""
    settings = {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces_url,
        "OTEL_TRACES_SAMPLER": sampler,
        "OTEL_TRACES_SAMPLER_ARG": sampler_arg,
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        return tracer_provider("bench", exporter_from_env())
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def build_app(**fastapi_options: object) -> FastAPI:
    app = FastAPI(**fastapi_options)  # type: ignore[arg-type]

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app


def build_bare_app() -> FastAPI:
    """The endpoint without instrumentation, FastAPI's own telemetry included."""
    # FastAPI traces itself once a global tracer provider exists: left on, the bare side would be
    # slower and the overhead would look smaller than it is.
    return build_app(telemetry={"tracing": False, "metrics": False, "logs": False})


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


def show(label: str, bare_rps: float, instrumented_rps: float, goal: float | None = None) -> None:
    overhead = (bare_rps - instrumented_rps) / bare_rps * 100
    added_us = (1 / instrumented_rps - 1 / bare_rps) * 1e6
    print(
        f"{label:<34} bare {bare_rps:7.0f} req/s  instrumented {instrumented_rps:7.0f} req/s  "
        f"overhead {overhead:5.1f} % ({added_us:+.0f} us/request)"
    )
    report.record("instrument", f"overhead: {label}", overhead, "%", at_most=goal)
    report.record("instrument", f"added CPU per request: {label}", added_us, "µs")


async def main() -> None:
    with otlp_receiver() as traces_url:
        provider = production_provider(traces_url, "parentbased_always_on")
        trace.set_tracer_provider(provider)  # as setup() does
        telemetry = Telemetry("bench", provider, CollectorRegistry())
        bare, instrumented = build_bare_app(), instrument_app(build_app(), telemetry)
        print(
            f"{ROUNDS} alternating rounds of {REQUESTS_PER_ROUND} sequential GET /items/{{id}},"
            " requests per CPU-second; spans: OTLP/HTTP to a local receiver"
        )
        show("httpx.ASGITransport client", *await compare(httpx_rate, bare, instrumented))
        show("raw ASGI calls (no client)", *await compare(raw_asgi_rate, bare, instrumented))
        sampled_provider = production_provider(traces_url, "parentbased_traceidratio", str(SAMPLE_RATIO))
        sampled = instrument_app(build_app(), Telemetry("bench", sampled_provider, CollectorRegistry()))
        # the goal (10 % sampling, a client's view); the other rows are context: every request traced,
        # the raw ASGI driver that shows every microsecond, the opt-in access log
        show(
            f"httpx, {SAMPLE_RATIO:.0%} of traces sampled",
            *await compare(httpx_rate, bare, sampled),
            goal=GOAL_PERCENT,
        )
        show(f"raw ASGI, {SAMPLE_RATIO:.0%} of traces sampled", *await compare(raw_asgi_rate, bare, sampled))
        sampled_provider.shutdown()
        with open(os.devnull, "w") as devnull:
            handler = configure_json_logs("bench", devnull)
            logged = instrument_app(build_app(), telemetry, access_log=True)
            show("httpx, + JSON access log (opt-in)", *await compare(httpx_rate, bare, logged))
            logging.getLogger().removeHandler(handler)
        provider.shutdown()
    print("goal: under 10 % slower through a client (see README for what the raw figure means)")


if __name__ == "__main__":
    asyncio.run(main())
