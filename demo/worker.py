"""BaseWorker: claims jobs from the queue table and calls the embedding API with retries and backoff."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import httpx
from sqlalchemy import Engine
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from observability.instrument import (
    InstrumentedTransport,
    JobTracker,
    PoolCollector,
    QueueCollector,
    Telemetry,
)
from observability.instrument.queue import table_snapshot

from . import jobs
from .api import EMBEDDING_API
from .schema import JOB_TYPES, EmbeddingStorage, store_embedding
from .schema import jobs as jobs_table

log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 10.0


class DependencyError(Exception):
    """The dependency answered with a server error."""


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, DependencyError | httpx.TransportError)


class BaseWorker:
    """One worker process: `concurrency` threads, each claiming and running jobs until stopped."""

    def __init__(
        self,
        telemetry: Telemetry,
        engine: Engine,
        storage: EmbeddingStorage,
        embedding_url: str,
        *,
        name: str = "worker-1",
        concurrency: int = 2,
        attempts: int = 3,
        backoff_seconds: float = 0.1,
        poll_seconds: float = 0.2,
        transport: httpx.BaseTransport | None = None,  # tests: the dependency without a network
    ) -> None:
        self.engine = engine
        self.storage = storage
        self.name = name
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.tracker = JobTracker(telemetry, name, JOB_TYPES)
        self.stopping = threading.Event()
        self.client = httpx.Client(
            base_url=embedding_url,
            timeout=CALL_TIMEOUT_SECONDS,
            transport=InstrumentedTransport(telemetry, EMBEDDING_API, transport),
        )
        self.retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=backoff_seconds, max=2.0),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        telemetry.registry.register(PoolCollector(engine, "worker"))
        telemetry.registry.register(QueueCollector(table_snapshot(engine, jobs_table), JOB_TYPES))

    def run(self) -> None:
        """Run until `stop()`; one thread per unit of concurrency."""
        threads = [
            threading.Thread(target=self._loop, name=f"{self.name}-{i}", daemon=True)
            for i in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def stop(self) -> None:
        self.stopping.set()

    def run_once(self) -> bool:
        """Claim and run one job; False when the queue was empty."""
        self.tracker.heartbeat()
        claimed = jobs.claim(self.engine)
        if claimed is None:
            return False
        with self.tracker.job(claimed.job_type, enqueued_at=claimed.enqueued_at.timestamp()) as run:
            try:
                retrying = self.retrying.copy(before_sleep=self._count_retry_of(claimed.job_type))
                vector = retrying(self._embed, claimed.payload["text"])
                store_embedding(self.engine, self.storage, claimed.id, vector)
            except Exception as exc:  # the job fails; the worker carries on
                run.fail()
                jobs.finish(self.engine, claimed.id, error=f"{type(exc).__name__}: {exc}")
                log.warning("job failed", extra={"job_id": claimed.id, "job_type": claimed.job_type})
                return True
            jobs.finish(self.engine, claimed.id)
            log.info("job done", extra={"job_id": claimed.id, "job_type": claimed.job_type})
        return True

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:  # the database blinked: keep the loop (and its heartbeat) alive
                log.exception("worker loop iteration failed")
                busy = False
            if not busy:
                self.stopping.wait(self.poll_seconds)

    def _embed(self, text: str) -> list[float]:
        response = self.client.post("/embed", json={"text": text})
        if response.status_code >= 500:
            raise DependencyError(f"{EMBEDDING_API} answered {response.status_code}")
        response.raise_for_status()
        return [float(x) for x in response.json()["embedding"]]

    def _count_retry_of(self, job_type: str) -> Callable[[RetryCallState], None]:
        """tenacity's before_sleep hook: an attempt failed and will be retried."""
        return lambda state: self.tracker.retry(job_type)
