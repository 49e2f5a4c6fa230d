"""Job tracking, the queue collector on a real table, and pool metrics."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.pool import QueuePool

from observability.catalog import platform as catalog
from observability.instrument import JobTracker, PoolCollector, QueueCollector, Telemetry
from observability.instrument.queue import table_snapshot


def sample(registry: CollectorRegistry, metric: str, **labels: str) -> float | None:
    return registry.get_sample_value(metric, labels)


def test_jobs_are_counted_by_type_and_outcome(telemetry: Telemetry) -> None:
    tracker = JobTracker(telemetry, "worker-1")
    with tracker.job("embed", enqueued_at=time.time() - 2.0):
        pass
    with tracker.job("embed") as run:
        run.fail()
    with pytest.raises(ValueError), tracker.job("embed"):
        raise ValueError("bad payload")
    tracker.retry("embed")

    registry = telemetry.registry
    assert sample(registry, catalog.JOBS_PROCESSED.name, job_type="embed", outcome="success") == 1
    assert sample(registry, catalog.JOBS_PROCESSED.name, job_type="embed", outcome="failure") == 2
    assert sample(registry, catalog.JOB_DURATION.name + "_count", job_type="embed") == 3
    assert sample(registry, catalog.JOB_QUEUE_WAIT.name + "_count", job_type="embed") == 1
    waited = sample(registry, catalog.JOB_QUEUE_WAIT.name + "_sum", job_type="embed")
    assert waited is not None and 2.0 <= waited < 3.0
    assert sample(registry, catalog.JOB_RETRIES.name, job_type="embed") == 1
    assert sample(registry, catalog.JOBS_IN_PROGRESS.name, job_type="embed") == 0


def test_heartbeat_is_the_time_of_the_last_loop(telemetry: Telemetry) -> None:
    tracker = JobTracker(telemetry, "worker-1")
    before = time.time()
    tracker.heartbeat()
    beat = sample(telemetry.registry, catalog.WORKER_HEARTBEAT.name, worker="worker-1")
    assert beat is not None and before <= beat <= time.time()


def test_decorated_job_function_is_tracked(telemetry: Telemetry) -> None:
    tracker = JobTracker(telemetry, "w")

    @tracker.track("report")
    def run(x: int) -> int:
        return x * 2

    assert run(21) == 42
    assert sample(telemetry.registry, catalog.JOBS_PROCESSED.name, job_type="report", outcome="success") == 1


def test_queue_collector_reads_depth_and_oldest_age_at_scrape_time(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'q.db'}")
    jobs = Table(
        "jobs",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("job_type", String),
        Column("status", String),
        Column("enqueued_at", DateTime(timezone=True)),
    )
    jobs.metadata.create_all(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(jobs),
            [
                {"job_type": "embed", "status": "queued", "enqueued_at": now - timedelta(seconds=90)},
                {"job_type": "embed", "status": "queued", "enqueued_at": now - timedelta(seconds=10)},
                {"job_type": "embed", "status": "done", "enqueued_at": now - timedelta(seconds=900)},
            ],
        )
    registry = CollectorRegistry()
    registry.register(QueueCollector(table_snapshot(engine, jobs), job_types=("embed", "report")))

    assert sample(registry, catalog.QUEUE_DEPTH.name, job_type="embed") == 2
    assert sample(registry, catalog.QUEUE_DEPTH.name, job_type="report") == 0
    age = sample(registry, catalog.QUEUE_OLDEST_AGE.name, job_type="embed")
    assert age is not None and 89 <= age < 95
    assert sample(registry, catalog.QUEUE_OLDEST_AGE.name, job_type="report") == 0


def test_pool_collector_reports_connections_in_use(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}", poolclass=QueuePool, pool_size=3, max_overflow=2)
    registry = CollectorRegistry()
    registry.register(PoolCollector(engine, "main"))
    with engine.connect():
        assert sample(registry, catalog.DB_POOL_CONNECTIONS.name, pool="main", state="in_use") == 1
    assert sample(registry, catalog.DB_POOL_CONNECTIONS.name, pool="main", state="in_use") == 0
    assert sample(registry, catalog.DB_POOL_CONNECTIONS.name, pool="main", state="idle") == 1
    assert sample(registry, catalog.DB_POOL_MAX_CONNECTIONS.name, pool="main") == 5


def test_known_job_types_are_exposed_at_zero_before_any_job(telemetry: Telemetry) -> None:
    JobTracker(telemetry, "w", job_types=("embed",))

    registry = telemetry.registry
    assert sample(registry, catalog.JOBS_PROCESSED.name, job_type="embed", outcome="failure") == 0
    assert sample(registry, catalog.JOB_RETRIES.name, job_type="embed") == 0
