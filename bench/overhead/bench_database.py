"""The bench's own database for the platform's API: created, given the schema and jobs, dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, make_url

from demo.database import drop_database, ensure_database
from demo.schema import QUEUED, create_schema, jobs
from observability.store.engine import make_engine


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    engine: Engine
    job_ids: list[str]


@contextmanager
def bench_database(server_url: str, seeded_jobs: int) -> Iterator[BenchDatabase]:
    """A fresh database on the server `server_url` points at, with `seeded_jobs` queued jobs."""
    name = f"bench_instrument_{os.getpid()}"
    drop_database(server_url, name)  # a crashed run's, should this process id come round again
    ensure_database(server_url, name)
    # the pool demo/__main__.py gives the API
    engine = make_engine(
        make_url(server_url).set(database=name).render_as_string(hide_password=False),
        pool_size=5,
        max_overflow=5,
    )
    try:
        create_schema(engine)
        job_ids = [uuid.uuid4().hex for _ in range(seeded_jobs)]
        now = datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(
                insert(jobs),
                [
                    {
                        "id": job_id,
                        "job_type": "embed",
                        "status": QUEUED,
                        "payload": {"text": "seeded"},
                        "attempts": 0,
                        "enqueued_at": now,
                    }
                    for job_id in job_ids
                ],
            )
        yield BenchDatabase(name, engine, job_ids)
    finally:
        engine.dispose()
        drop_database(server_url, name)
