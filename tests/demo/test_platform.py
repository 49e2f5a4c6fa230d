"""The reference platform: API, queue, worker retries, fault knobs (SQLite); SKIP LOCKED (PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from demo import jobs
from demo.api import create_app
from demo.embedding_api import create_app as create_embedding_app
from demo.embedding_api import embed_text
from demo.faults import FaultState, FaultUpdate
from demo.schema import EMBEDDING_DIMENSIONS, EmbeddingStorage, create_schema, read_embedding
from demo.worker import BaseWorker
from observability.catalog import platform as catalog
from observability.instrument import Telemetry
from tests.demo.conftest import EmbeddingDependency


def test_api_accepts_reads_and_rejects_jobs(telemetry: Telemetry, sqlite_engine: Engine) -> None:
    app = create_app(telemetry, sqlite_engine, "http://embed", dependency_transport=EmbeddingDependency())
    client = TestClient(app)

    accepted = client.post("/jobs", json={"job_type": "embed", "text": "hello"})
    assert accepted.status_code == 202
    job = client.get(f"/jobs/{accepted.json()['id']}").json()
    assert (job["status"], job["job_type"], job["payload"]) == ("queued", "embed", {"text": "hello"})
    assert client.get("/jobs/nope").status_code == 404
    bad = client.post("/jobs", json={"job_type": "mine-bitcoin", "text": "x"})
    assert bad.status_code == 422 and "mine-bitcoin" in bad.text
    assert client.post("/jobs", json={"text": ""}).status_code == 422
    assert client.get("/healthz").json() == {"database": "ok", "embedding-api": "ok"}


def test_injected_api_errors_answer_500_and_healing_stops_them(
    telemetry: Telemetry, sqlite_engine: Engine
) -> None:
    faults = FaultState()
    client = TestClient(create_app(telemetry, sqlite_engine, "http://embed", faults=faults))
    faults.update(FaultUpdate(error_ratio=1.0))
    assert client.get("/jobs/any").status_code == 500
    faults.update(FaultUpdate(error_ratio=0.0))
    assert client.get("/jobs/any").status_code == 404
    assert client.post("/faults", json={"error_ratio": 2}).status_code == 422


def test_worker_retries_the_dependency_then_stores_the_embedding(
    telemetry: Telemetry, sqlite_engine: Engine
) -> None:
    dependency = EmbeddingDependency(failures=2)
    worker = BaseWorker(
        telemetry,
        sqlite_engine,
        EmbeddingStorage.JSON_TEXT,
        "http://embed",
        backoff_seconds=0.001,
        transport=dependency,
    )
    job_id = jobs.submit(sqlite_engine, "embed", {"text": "doc"})

    assert worker.run_once() is True
    assert worker.run_once() is False  # queue empty now

    assert jobs.read(sqlite_engine, job_id)["status"] == "done"  # type: ignore[index]
    assert read_embedding(sqlite_engine, EmbeddingStorage.JSON_TEXT, job_id) == pytest.approx(
        embed_text("doc")
    )
    registry = telemetry.registry
    assert registry.get_sample_value(catalog.JOB_RETRIES.name, {"job_type": "embed"}) == 2
    assert (
        registry.get_sample_value(catalog.JOBS_PROCESSED.name, {"job_type": "embed", "outcome": "success"})
        == 1
    )
    calls = {"dependency": "embedding-api", "outcome": "failure"}
    assert registry.get_sample_value(catalog.DEPENDENCY_REQUESTS.name, calls) == 2


def test_job_fails_when_retries_run_out(telemetry: Telemetry, sqlite_engine: Engine) -> None:
    worker = BaseWorker(
        telemetry,
        sqlite_engine,
        EmbeddingStorage.JSON_TEXT,
        "http://embed",
        attempts=3,
        backoff_seconds=0.001,
        transport=EmbeddingDependency(failures=99),
    )
    job_id = jobs.submit(sqlite_engine, "classify", {"text": "doc"})
    worker.run_once()

    job = jobs.read(sqlite_engine, job_id)
    assert job is not None and job["status"] == "failed" and "500" in job["error"]
    outcome = {"job_type": "classify", "outcome": "failure"}
    assert telemetry.registry.get_sample_value(catalog.JOBS_PROCESSED.name, outcome) == 1


def test_embedding_api_fault_knobs(telemetry: Telemetry) -> None:
    client = TestClient(create_embedding_app(telemetry))
    assert len(client.post("/embed", json={"text": "a"}).json()["embedding"]) == EMBEDDING_DIMENSIONS
    client.post("/faults", json={"outage": True})
    assert client.post("/embed", json={"text": "a"}).status_code == 503
    assert client.get("/healthz").status_code == 503
    client.post("/faults", json={"outage": False, "error_ratio": 1.0})
    assert client.post("/embed", json={"text": "a"}).status_code == 500
    assert client.get("/faults").json() == {"error_ratio": 1.0, "latency_seconds": 0.0, "outage": False}


def test_claim_skips_a_job_another_worker_has_locked(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        assert create_schema(engine) in (EmbeddingStorage.FLOAT_ARRAY, EmbeddingStorage.PGVECTOR)
        first = jobs.submit(engine, "embed", {"text": "1"})
        second = jobs.submit(engine, "embed", {"text": "2"})
        with engine.connect() as other_worker, other_worker.begin():
            locked = other_worker.execute(
                text("SELECT id FROM jobs WHERE id = :id FOR UPDATE"), {"id": first}
            ).scalar_one()
            claimed = jobs.claim(engine)  # must not wait for the lock, must not take the locked row
            assert locked == first
            assert claimed is not None and claimed.id == second
    finally:
        engine.dispose()
