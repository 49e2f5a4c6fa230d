"""The escalation engine: fire due steps now (`tick`), or keep doing it as a job of the process's scheduler.

Every replica runs one. The job runs about once a second; within a run it sleeps until the next
pending step is due, looking again at least every quarter second (new incidents plan steps due
at once), so steps fire close to their due time instead of up to a whole tick late.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.orm import Session, sessionmaker

from observability.escalation import steps
from observability.escalation.firing import fire_due_steps
from observability.escalation.matrix import Matrix
from observability.store.outage import log_job_failure

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
DEFAULT_BATCH = 100
# When a step is due but another replica holds it, look again this soon rather than spin.
BUSY_RETRY_SECONDS = 0.01
POLL_SECONDS = 0.25
# The share of each scheduler interval one run spends firing and waiting for due steps.
RUN_SHARE = 0.75


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """A name for this replica's engine, stamped on the steps it fires."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class EscalationEngine:
    """Fires due steps in short transactions of at most `batch` steps each."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        matrix: Matrix | Callable[[], Matrix],
        *,
        clock: Clock = utc_now,
        worker: str | None = None,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        self.sessions = sessions
        self._matrix = matrix
        self.clock = clock
        self.worker = worker or worker_name()
        self.batch = batch

    @property
    def matrix(self) -> Matrix:
        return self._matrix if isinstance(self._matrix, Matrix) else self._matrix()

    def tick(self, now: datetime | None = None) -> int:
        """Fire every step due at `now` (default: the clock); how many fired."""
        now = now or self.clock()
        due = self.next_due_at()
        if due is None or due > now:
            return 0  # nothing due: no write transaction (on SQLite it would take the write lock)
        return self._fire(now)

    def _fire(self, now: datetime, deadline: float | None = None) -> int:
        """Fire due steps batch by batch until none is left (or the monotonic `deadline` passes)."""
        fired = 0
        while True:
            with self.sessions.begin() as session:
                count = fire_due_steps(
                    session, self.matrix, now=now, worker=self.worker, limit=self.batch, clock=self.clock
                )
            fired += count
            if count < self.batch or (deadline is not None and time.monotonic() >= deadline):
                return fired

    def next_due_at(self) -> datetime | None:
        with self.sessions() as session:
            return steps.next_due_at(session)

    def run_for(self, seconds: float) -> None:
        """Fire steps as they fall due for `seconds` (the body of one scheduler run)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            due = self.next_due_at()
            now = self.clock()
            if due is not None and due <= now:
                if not self._fire(now, deadline):
                    time.sleep(BUSY_RETRY_SECONDS)  # another replica holds what is due
                continue
            wait = remaining if due is None else (due - now).total_seconds()
            # Look again at least every POLL_SECONDS: another process may have planned a step
            # due sooner than anything we knew of (a new incident's first step is due at once).
            time.sleep(max(min(wait, POLL_SECONDS, remaining), BUSY_RETRY_SECONDS))


ESCALATION_JOB_ID = "escalation-tick"


def add_escalation_job(scheduler: BaseScheduler, engine: EscalationEngine, *, interval: float = 1.0) -> None:
    """Run `engine.run_for` on the process's scheduler every `interval` seconds, from now."""

    def run() -> None:
        try:
            # Stop well before the next run is due (a run overruns by one batch at most): a run
            # still going at the next trigger makes APScheduler skip that one, a gap in polling.
            engine.run_for(interval * RUN_SHARE)
        except Exception as exc:  # a database outage must not kill the job; the next run retries
            log_job_failure(log, "escalation tick", exc)

    scheduler.add_job(
        run,
        "interval",
        seconds=interval,
        id=ESCALATION_JOB_ID,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
        misfire_grace_time=None,
    )
