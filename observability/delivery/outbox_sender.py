"""The outbox sender: claim due rows, hand each to its sender, settle the outcome; retries and dead letters.

Each pass claims a batch (leases committed at once), sends the batch concurrently (one row per
stream at most, so per-channel order holds) and settles every row in its own short transaction,
together with what the send recorded (a card's ts) and the metrics (counted on commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from observability import telemetry
from observability.catalog import names
from observability.delivery import outbox, slack_rows
from observability.delivery.retry_policy import RetryPolicy
from observability.delivery.sender import Message, Outcome, Result, Sender
from observability.delivery.webhook_sender import PAGE
from observability.store.delivery_models import OUTBOX_DEAD, OUTBOX_SKIPPED
from observability.store.engine import serial_writes
from observability.store.escalation_models import OUTBOX_PENDING, OUTBOX_SENT
from observability.store.outage import log_job_failure

log = logging.getLogger(__name__)

KINDS = (*slack_rows.SLACK_KINDS, PAGE)
PACED_KINDS = frozenset({slack_rows.CARD, slack_rows.CARD_UPDATE, slack_rows.THREAD, slack_rows.DIGEST})
IDLE_POLL_SECONDS = 0.2
WAKE_CHECK_SECONDS = 0.01


class OutboxSender:
    """Drains the outbox through `senders` (the first that handles a kind sends it; none: skipped)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        senders: Sequence[Sender],
        *,
        clock: Callable[[], datetime],
        owner: str,
        policy: RetryPolicy | None = None,
        lease: timedelta = timedelta(seconds=60),
        pacing: timedelta = timedelta(seconds=1),
        batch: int = 50,
        rand: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = list(senders)
        self.clock = clock
        self.owner = owner
        self.policy = policy or RetryPolicy()
        self.lease, self.pacing, self.batch = lease, pacing, batch
        self.rand = rand or random.Random()
        self.wake = threading.Event()  # set after a commit that queued rows (see slack_rows)

    async def drain_once(self) -> int:
        """Claim and send one batch; how many rows it claimed."""
        now = self.clock()
        with serial_writes(self.sessions), self.sessions.begin() as session:
            claimed = outbox.claim(
                session,
                now=now,
                owner=self.owner,
                lease=self.lease,
                limit=self.batch,
                kinds=KINDS,
                paced_kinds=PACED_KINDS,
                pacing=self.pacing,
            )
        if claimed:
            await asyncio.gather(*(self._deliver(message) for message in claimed))
        return len(claimed)

    async def drain(self, passes: int = 100) -> int:
        """Send until nothing is claimable now (at most `passes` batches); rows claimed in all."""
        total = 0
        for _ in range(passes):
            count = await self.drain_once()
            total += count
            if count == 0:
                return total
        return total

    async def run_for(self, seconds: float, stop: Callable[[], bool] = lambda: False) -> None:
        """Keep draining for `seconds` (or until `stop()`): at once when woken, else every
        IDLE_POLL_SECONDS."""
        deadline = time.monotonic() + seconds
        async with contextlib.AsyncExitStack() as stack:
            for sender in self.senders:
                opened = getattr(sender, "opened", None)  # senders may keep connections for a run
                if opened is not None:
                    await stack.enter_async_context(opened())
            await self._drain_until(deadline, stop)

    async def _drain_until(self, deadline: float, stop: Callable[[], bool]) -> None:
        while time.monotonic() < deadline and not stop():
            self.wake.clear()
            claimed = await self.drain_once()
            if claimed:
                continue
            until = min(deadline, time.monotonic() + IDLE_POLL_SECONDS)
            while time.monotonic() < until and not self.wake.is_set() and not stop():
                await asyncio.sleep(WAKE_CHECK_SECONDS)

    async def _deliver(self, message: Message) -> None:
        sender = next((s for s in self.senders if s.handles(message.kind)), None)
        if sender is None:
            result = Result(Outcome.SKIPPED, error=f"no sender for {message.kind} is configured")
        else:
            try:
                result = await sender.send(message)
            except Exception as exc:  # a sender bug must not stop the others; the row retries
                log.exception("sending outbox row %s failed", message.id)
                result = Result(Outcome.IN_DOUBT, error=f"{type(exc).__name__}: {exc}"[:500])
        try:
            self._settle(message, result)
        except Exception as exc:  # the lease runs out and the row is retried (in doubt)
            log_job_failure(log, f"settling outbox row {message.id}", exc)

    def _settle(self, message: Message, result: Result) -> None:
        now = self.clock()
        with serial_writes(self.sessions), self.sessions.begin() as session:
            values = self._values(message, result, now)
            if not outbox.settle(session, message.id, self.owner, **values):
                log.warning("outbox row %s: lease lost before its outcome was written", message.id)
                return
            if message.kind in PACED_KINDS:
                # Measured from the answer too: a send slowed down after its claim still leaves
                # the channel its full second before the next message.
                outbox.pace(session, message.stream, now + self.pacing)
            status = values["status"]
            if status == OUTBOX_SENT:
                if result.record is not None:
                    result.record(session)
                seconds = (now - message.created_at).total_seconds()
                telemetry.record_delivered(session, kind=message.kind, seconds=seconds)
            elif status == OUTBOX_DEAD:
                telemetry.record_notification(session, outcome=names.FAILURE)
                log.error("outbox row %s (%s) is a dead letter: %s", message.id, message.kind, result.error)
            elif status == OUTBOX_PENDING:
                telemetry.record_notification(session, outcome=names.RETRY)

    def _values(self, message: Message, result: Result, now: datetime) -> dict[str, object]:
        if result.outcome is Outcome.SENT:
            return {
                "status": OUTBOX_SENT,
                "sent_at": now,
                "delivered_ref": result.ref[:64],
                "in_doubt": False,
                "last_error": "",
            }
        if result.outcome is Outcome.SKIPPED:
            return {"status": OUTBOX_SKIPPED, "sent_at": now, "in_doubt": False, "last_error": result.error}
        if result.outcome is Outcome.FAILED or self.policy.is_dead(message.created_at, now):
            return {"status": OUTBOX_DEAD, "last_error": result.error}
        # A prior doubt stays until a send settles it (a rate limit may have come before the check).
        doubt = result.outcome is Outcome.IN_DOUBT or message.in_doubt
        retry_at = self.policy.next_attempt_at(now, message.attempts, result.retry_after, self.rand)
        return {
            "status": OUTBOX_PENDING,
            "next_attempt_at": retry_at,
            "in_doubt": doubt,
            "last_error": result.error,
        }
