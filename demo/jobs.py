"""The job queue table's operations: submit, read, claim (SKIP LOCKED), finish."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from .schema import DONE, FAILED, QUEUED, RUNNING, jobs


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    job_type: str
    payload: dict[str, Any]
    enqueued_at: datetime
    attempts: int


def submit(engine: Engine, job_type: str, payload: dict[str, Any], now: datetime | None = None) -> str:
    """Queue a job; return its id."""
    job_id = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(
            insert(jobs).values(
                id=job_id,
                job_type=job_type,
                status=QUEUED,
                payload=payload,
                attempts=0,
                enqueued_at=now or datetime.now(UTC),
            )
        )
    return job_id


def read(engine: Engine, job_id: str) -> dict[str, Any] | None:
    """A job as a JSON-ready dict, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if row is None:
        return None
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}


def claim(engine: Engine, now: datetime | None = None) -> ClaimedJob | None:
    """Take the oldest queued job; concurrent workers skip rows another has locked."""
    oldest = (
        select(jobs.c.id)
        .where(jobs.c.status == QUEUED)
        .order_by(jobs.c.enqueued_at)
        .limit(1)
        .with_for_update(skip_locked=True)  # FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite locks the file
        .scalar_subquery()
    )
    claim_oldest = (
        update(jobs)
        .where(jobs.c.id == oldest, jobs.c.status == QUEUED)
        .values(status=RUNNING, started_at=now or datetime.now(UTC), attempts=jobs.c.attempts + 1)
        .returning(jobs.c.id, jobs.c.job_type, jobs.c.payload, jobs.c.enqueued_at, jobs.c.attempts)
    )
    with engine.begin() as conn:
        row = conn.execute(claim_oldest).first()
    if row is None:
        return None
    return ClaimedJob(row.id, row.job_type, row.payload, row.enqueued_at, row.attempts)


def finish(engine: Engine, job_id: str, error: str | None = None, now: datetime | None = None) -> None:
    """Mark a claimed job done, or failed with an error message."""
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(
                status=FAILED if error else DONE,
                finished_at=now or datetime.now(UTC),
                error=error[:500] if error else None,
            )
        )
