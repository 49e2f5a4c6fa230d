"""Run one component of the reference platform: `python -m demo {api,worker,embedding-api,traffic}`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from observability.instrument import setup


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    sub = parser.add_subparsers(dest="component", required=True)
    api = sub.add_parser("api", help="the platform HTTP API")
    api.add_argument("--database-url", required=True)
    api.add_argument("--embedding-url", required=True)
    worker = sub.add_parser("worker", help="a BaseWorker with a /metrics server")
    worker.add_argument("--database-url", required=True)
    worker.add_argument("--embedding-url", required=True)
    worker.add_argument("--concurrency", type=int, default=4)
    worker.add_argument("--name", default="worker-1")
    sub.add_parser("embedding-api", help="the mock external embedding API")
    for server in (api, worker, sub.choices["embedding-api"]):
        server.add_argument("--host", default="127.0.0.1")
        server.add_argument("--port", type=int, required=True)
    traffic = sub.add_parser("traffic", help="the simulated frontend")
    traffic.add_argument("--api-url", required=True)
    traffic.add_argument("--rate", type=float, default=10.0, help="ticks per second (default 10)")
    traffic.add_argument("--duration", type=float, default=3600.0, help="seconds (default 3600)")
    traffic.add_argument("--max-requests", type=int, default=None)
    args = parser.parse_args(argv)
    return {"api": run_api, "worker": run_worker, "embedding-api": run_embedding_api, "traffic": run_traffic}[
        args.component
    ](args)


def run_api(args: argparse.Namespace) -> int:
    import uvicorn

    from observability.store.engine import make_engine

    from .api import create_app
    from .schema import create_schema

    telemetry = setup("api")
    engine = make_engine(args.database_url, pool_size=5, max_overflow=5)
    create_schema(engine)
    uvicorn.run(
        create_app(telemetry, engine, args.embedding_url),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
    )
    telemetry.shutdown()
    return 0


def run_embedding_api(args: argparse.Namespace) -> int:
    import uvicorn

    from .embedding_api import create_app

    telemetry = setup("embedding-api")
    uvicorn.run(create_app(telemetry), host=args.host, port=args.port, log_config=None, access_log=False)
    telemetry.shutdown()
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from prometheus_client import start_http_server

    from observability.store.engine import make_engine

    from .schema import create_schema
    from .worker import BaseWorker

    telemetry = setup("worker")
    engine = make_engine(args.database_url, pool_size=args.concurrency, max_overflow=2)
    storage = create_schema(engine)
    worker = BaseWorker(
        telemetry, engine, storage, args.embedding_url, name=args.name, concurrency=args.concurrency
    )
    server, _thread = start_http_server(args.port, addr=args.host, registry=telemetry.registry)

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()
    server.shutdown()
    telemetry.shutdown()
    return 0


def run_traffic(args: argparse.Namespace) -> int:
    from .traffic import TrafficGenerator

    setup("traffic", span_exporter=None)
    generator = TrafficGenerator(args.api_url, rate=args.rate)
    signal.signal(signal.SIGTERM, lambda signum, frame: generator.stop())
    report = generator.run(duration=args.duration, max_requests=args.max_requests)
    print(json.dumps({"requests": report.requests, "by_status": report.by_status}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
