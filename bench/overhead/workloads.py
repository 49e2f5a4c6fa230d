"""The routes measured: a trivial endpoint, and the reference platform's API doing database work."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from demo.api import platform_routes

from .asgi_calls import Request

AppFactory = Callable[..., FastAPI]  # builds the app's routes; keyword arguments go to FastAPI()
Exchange = tuple[Request, int]  # a request and the status it must get


@dataclass(frozen=True)
class Workload:
    name: str
    routes: AppFactory
    exchanges: Callable[[int], Sequence[Exchange]]  # the next n requests to send


def trivial() -> Workload:
    """`GET /items/{id}` of an async endpoint that returns its parameter (~100 µs bare)."""

    def routes(**fastapi_options: Any) -> FastAPI:
        app = FastAPI(**fastapi_options)

        @app.get("/items/{item_id}")
        async def read_item(item_id: int) -> dict[str, int]:
            return {"id": item_id}

        return app

    return Workload(
        "trivial route", routes, lambda n: [(Request("GET", f"/items/{i}"), 200) for i in range(n)]
    )


def platform_api(engine: Engine, job_ids: Sequence[str]) -> Workload:
    """demo/api.py's routes on PostgreSQL: `POST /jobs` (an insert) and `GET /jobs/{id}` (a read), in turn."""
    # /healthz is the only route that calls the dependency; the measured routes never do
    dependency = httpx.Client(base_url="http://127.0.0.1:9", timeout=1)
    submit = Request.post_json("/jobs", {"job_type": "embed", "text": "a document to embed"})
    reads = itertools.count()

    def exchanges(n: int) -> list[Exchange]:
        pairs: list[Exchange] = []
        for _ in range(n // 2):
            pairs += [(submit, 202), (Request("GET", f"/jobs/{job_ids[next(reads) % len(job_ids)]}"), 200)]
        return pairs

    def routes(**fastapi_options: Any) -> FastAPI:
        return platform_routes(engine, dependency, **fastapi_options)

    return Workload("platform API (PostgreSQL)", routes, exchanges)
