"""Delivery in a process: the senders the settings call for, the outbox sender, and its scheduler job.

`build_delivery` is called once by the app (or a CLI); `add_job` registers the sender on the
process's one APScheduler.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from observability.config import Settings
from observability.delivery.card_source import RunbookSlugOf, no_runbook_pages
from observability.delivery.outbox_sender import OutboxSender
from observability.delivery.retry_policy import RetryPolicy
from observability.delivery.routing import SlackRouting
from observability.delivery.sender import Sender
from observability.delivery.slack_rows import QUEUED_KEY
from observability.delivery.slack_sender import SlackSender
from observability.delivery.webhook_sender import WebhookSender
from observability.escalation.engine import worker_name
from observability.escalation.matrix import Matrix
from observability.store.outage import log_job_failure

log = logging.getLogger(__name__)

DEFAULT_SLACK_API = "https://slack.com/api/"
JOB_ID = "outbox-sender"
# One run drains this long; the job fires every interval, and a firing that finds a run going
# returns at once. So the sender runs without gaps, and a run that died restarts within an interval.
RUN_SECONDS = 300.0


@dataclass
class Delivery:
    """The process's outbox sender and what it is configured to do (shown by /readyz)."""

    sender: OutboxSender
    slack: bool
    webhook: bool
    interval: float
    last_run_at: datetime | None = None
    last_error: str = ""
    runs: int = field(default=0)
    _running: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def state(self) -> str:
        parts = [
            f"slack {'on' if self.slack else 'off'}",
            f"outgoing webhook {'on' if self.webhook else 'off'}",
        ]
        if self.last_run_at is not None:
            parts.append(
                f"sender {'running' if self._running else 'idle'}, seen {self.last_run_at:%H:%M:%S} UTC"
            )
        if self.last_error:
            parts.append(f"last error: {self.last_error}")
        return "; ".join(parts)

    def run(self, stopped: Callable[[], bool] = lambda: False) -> None:
        """One scheduler firing: drain the outbox for RUN_SECONDS, unless a run is already going."""
        with self._lock:
            if self._running:
                self.last_run_at = datetime.now(UTC)
                return
            self._running = True
        try:
            asyncio.run(self.sender.run_for(RUN_SECONDS, stop=stopped))
            self.last_error = ""
        except Exception as exc:  # a database outage must not kill the job; the next run retries
            log_job_failure(log, "outbox sender run", exc)
            self.last_error = type(exc).__name__
        finally:
            with self._lock:
                self._running = False
        self.last_run_at = datetime.now(UTC)
        self.runs += 1


def build_delivery(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime],
    matrix: Callable[[], Matrix],
    runbook_slug_of: RunbookSlugOf = no_runbook_pages,
) -> Delivery:
    """The senders the settings configure, bound to `sessions` (Slack off: said once in the log)."""
    senders: list[Sender] = []
    slack = settings.slack_bot_token is not None
    if slack:
        assert settings.slack_bot_token is not None
        client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=_with_slash(settings.slack_api_url or DEFAULT_SLACK_API),
            timeout=int(max(settings.slack_timeout_seconds, 1)),
            retry_handlers=[],  # retries are the outbox's, with reconciliation; never a blind resend
        )
        senders.append(
            SlackSender(
                client, sessions, public_url=settings.public_url, clock=clock, runbook_slug_of=runbook_slug_of
            )
        )
    else:
        log.warning(
            "Slack delivery is off: OBS_SLACK_BOT_TOKEN is not set (incidents are not posted to Slack)"
        )
    webhook = settings.outgoing_webhook_url is not None
    if settings.outgoing_webhook_url and settings.outgoing_webhook_secret is not None:
        senders.append(
            WebhookSender(
                settings.outgoing_webhook_url,
                settings.outgoing_webhook_secret.get_secret_value(),
                public_url=settings.public_url,
                clock=clock,
                timeout=settings.slack_timeout_seconds,
            )
        )
    policy = RetryPolicy(
        base=timedelta(seconds=settings.delivery_backoff_seconds),
        cap=timedelta(seconds=settings.delivery_max_backoff_seconds),
        dead_after=timedelta(seconds=settings.delivery_dead_after_seconds),
    )
    outbox_sender = OutboxSender(
        sessions,
        senders,
        clock=clock,
        owner=worker_name(),
        policy=policy,
        pacing=timedelta(seconds=settings.delivery_pacing_seconds),
        # Never shorter than a few calls: a lease running out mid-send lets a second sender try.
        lease=timedelta(seconds=max(settings.delivery_lease_seconds, 4 * settings.slack_timeout_seconds)),
    )
    if slack:
        SlackRouting(
            matrix=matrix,
            channel_severities=frozenset(
                s.strip() for s in settings.slack_channel_severities.split(",") if s.strip()
            ),
            alerts_channel=settings.slack_alerts_channel,
            storm_threshold=settings.slack_storm_threshold,
            storm_window=timedelta(seconds=settings.slack_storm_window_seconds),
        ).bind(sessions)
    wake_on_commit(sessions, outbox_sender)
    return Delivery(outbox_sender, slack=slack, webhook=webhook, interval=settings.delivery_tick_seconds)


def wake_on_commit(sessions: sessionmaker[Session], sender: OutboxSender) -> None:
    """Wake the sender when a transaction that queued rows commits (the poll is only the fallback)."""

    def after_commit(session: Session) -> None:
        if session.info.pop(QUEUED_KEY, False):
            sender.wake.set()

    event.listen(sessions, "after_commit", after_commit)


def add_job(scheduler: BaseScheduler, delivery: Delivery) -> None:
    """Run the outbox sender on `scheduler`, looked after every `delivery.interval` seconds."""
    scheduler.add_job(
        delivery.run,
        "interval",
        # The run ends as soon as the scheduler shuts down (its shutdown waits for running jobs).
        kwargs={"stopped": lambda: scheduler.state == STATE_STOPPED},
        seconds=delivery.interval,
        id=JOB_ID,
        max_instances=2,  # the second firing sees the first running and returns
        coalesce=True,
        next_run_time=datetime.now(UTC),
        misfire_grace_time=None,
    )


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
