"""Queue depth and oldest waiting job's age, read from the queue table at scrape time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, Table, func, select

from observability.catalog import names
from observability.catalog import platform as catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueSnapshot:
    """Jobs of one type waiting now, and when the oldest of them was queued (Unix time)."""

    job_type: str
    depth: int
    oldest_enqueued_at: float | None


def table_snapshot(
    engine: Engine,
    table: Table,
    *,
    job_type_column: str = "job_type",
    status_column: str = "status",
    queued_status: str = "queued",
    enqueued_column: str = "enqueued_at",
) -> Callable[[], list[QueueSnapshot]]:
    """A snapshot function that counts the queued rows of `table` by job type."""
    job_type, enqueued = table.c[job_type_column], table.c[enqueued_column]
    query = (
        select(job_type, func.count(), func.min(enqueued))
        .where(table.c[status_column] == queued_status)
        .group_by(job_type)
    )

    def snapshot() -> list[QueueSnapshot]:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        return [QueueSnapshot(str(kind), int(depth), _unix(oldest)) for kind, depth, oldest in rows]

    return snapshot


def _unix(moment: datetime | float | None) -> float | None:
    if moment is None or isinstance(moment, float | int):
        return moment
    return moment.timestamp()


class QueueCollector(Collector):
    """`worker_queue_depth` and `worker_queue_oldest_job_age_seconds` by job type.

    Job types in `job_types` are reported as 0 when none wait, so series never vanish (alerts resolve,
    dashboards show zero rather than "no data"). A failing query drops the samples for that scrape.
    """

    def __init__(
        self, snapshot: Callable[[], Iterable[QueueSnapshot]], job_types: Iterable[str] = ()
    ) -> None:
        self.snapshot = snapshot
        self.job_types = tuple(job_types)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(catalog.QUEUE_DEPTH.name, catalog.QUEUE_DEPTH.help, labels=[names.JOB_TYPE])
        age = GaugeMetricFamily(
            catalog.QUEUE_OLDEST_AGE.name, catalog.QUEUE_OLDEST_AGE.help, labels=[names.JOB_TYPE]
        )
        try:
            found = {snap.job_type: snap for snap in self.snapshot()}
        except Exception:  # a scrape must not fail because the database blinked
            log.exception("queue snapshot failed")
            return
        now = time.time()
        for job_type in sorted(set(self.job_types) | set(found)):
            snap = found.get(job_type, QueueSnapshot(job_type, 0, None))
            depth.add_metric([job_type], snap.depth)
            oldest = snap.oldest_enqueued_at
            age.add_metric([job_type], max(now - oldest, 0.0) if oldest is not None else 0.0)
        yield depth
        yield age
