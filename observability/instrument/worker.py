"""BaseWorker instrumentation: per-job outcome, duration, queue wait, retries, and a heartbeat."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from opentelemetry.trace import SpanKind, Status, StatusCode

from observability.catalog import names
from observability.catalog import platform as catalog

from .metrics import counter, gauge, histogram
from .setup import Telemetry

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class JobRun:
    """One job being run; `fail()` records a failure without raising."""

    job_type: str
    failed: bool = False

    def fail(self) -> None:
        self.failed = True


class JobTracker:
    """Records jobs for one worker process: `with tracker.job("embed", enqueued_at=t): ...`."""

    def __init__(self, telemetry: Telemetry, worker: str, job_types: Iterable[str] = ()) -> None:
        self.tracer = telemetry.tracer
        self.worker = worker
        registry = telemetry.registry
        self.processed = counter(catalog.JOBS_PROCESSED, registry)
        self.duration = histogram(catalog.JOB_DURATION, registry)
        self.queue_wait = histogram(catalog.JOB_QUEUE_WAIT, registry)
        self.retries = counter(catalog.JOB_RETRIES, registry)
        self.in_progress = gauge(catalog.JOBS_IN_PROGRESS, registry)
        self.heartbeat_at = gauge(catalog.WORKER_HEARTBEAT, registry).labels(worker)
        for job_type in job_types:  # series exist at 0 before the first job: ratios read 0, not "no data"
            for outcome in (names.SUCCESS, names.FAILURE):
                self.processed.labels(job_type, outcome)
            self.retries.labels(job_type)
            self.in_progress.labels(job_type)

    def heartbeat(self) -> None:
        """Call once per loop iteration, busy or idle: stale means the loop is stuck."""
        self.heartbeat_at.set(time.time())

    def retry(self, job_type: str) -> None:
        """An attempt failed and the job will be tried again."""
        self.retries.labels(job_type).inc()

    @contextmanager
    def job(self, job_type: str, *, enqueued_at: float | None = None) -> Iterator[JobRun]:
        """Run one job: failure when the block raises or calls `fail()`, else success.

        `enqueued_at` is the Unix time the job was queued; it gives the queue wait.
        """
        started_wall = time.time()
        if enqueued_at is not None:
            self.queue_wait.labels(job_type).observe(max(started_wall - enqueued_at, 0.0))
        run = JobRun(job_type)
        in_progress = self.in_progress.labels(job_type)
        in_progress.inc()
        started = time.perf_counter()
        with self.tracer.start_as_current_span(f"job {job_type}", kind=SpanKind.CONSUMER) as span:
            span.set_attribute("job.type", job_type)
            span.set_attribute("worker", self.worker)
            try:
                yield run
            except BaseException:
                run.fail()
                raise
            finally:
                in_progress.dec()
                self.duration.labels(job_type).observe(time.perf_counter() - started)
                outcome = names.FAILURE if run.failed else names.SUCCESS
                self.processed.labels(job_type, outcome).inc()
                if run.failed:
                    span.set_status(Status(StatusCode.ERROR))

    def track(self, job_type: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorator form of `job()` for a function that runs one job of `job_type`."""

        def decorate(function: Callable[P, R]) -> Callable[P, R]:
            @functools.wraps(function)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                with self.job(job_type):
                    return function(*args, **kwargs)

            return wrapper

        return decorate
