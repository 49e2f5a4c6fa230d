"""A Telemetry with a fresh registry per test, and the embedding API as an httpx transport."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from demo.embedding_api import embed_text
from demo.schema import create_schema
from observability.instrument import Telemetry
from observability.store.engine import make_engine


@pytest.fixture
def telemetry() -> Telemetry:
    return Telemetry("test", TracerProvider(), CollectorRegistry())


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    create_schema(engine)
    return engine


class EmbeddingDependency(httpx.MockTransport):
    """The embedding API's contract in-process; `failures` 5xx answers come first."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls = 0
        super().__init__(self.answer)

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if request.url.path == "/healthz":
            return httpx.Response(200, json={"status": "ok"})
        if self.calls <= self.failures:
            return httpx.Response(500, json={"detail": "injected"})
        return httpx.Response(200, json={"embedding": embed_text(json.loads(request.content)["text"])})
