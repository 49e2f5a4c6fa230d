"""The service's own metrics (names from the catalog), in one CollectorRegistry per app.

Counters and histograms are bumped by the code paths. Those that describe stored facts (incidents
opened, acknowledged, resolved) are queued on the SQLAlchemy session with `on_commit` and counted
only once the transaction commits, so a rolled-back or replayed notification counts nothing.
Gauges that mirror database state are computed at scrape time (see observability.store.gauges),
which keeps them right across replicas.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from observability.catalog import Metric, MetricKind
from observability.catalog import names as catalog_names
from observability.catalog import platform as catalog

log = logging.getLogger(__name__)

TELEMETRY_KEY = "obs.telemetry"
PENDING_KEY = "obs.telemetry.pending"

Observation = Callable[["Telemetry"], None]


def _counter(metric: Metric, registry: CollectorRegistry) -> Counter:
    assert metric.kind is MetricKind.COUNTER, metric.name
    return Counter(metric.name, metric.help, metric.labels, registry=registry)


def _histogram(metric: Metric, registry: CollectorRegistry) -> Histogram:
    assert metric.kind is MetricKind.HISTOGRAM, metric.name
    return Histogram(metric.name, metric.help, metric.labels, registry=registry, buckets=metric.buckets)


class Telemetry:
    """One app's metrics: a private registry, the catalog's metric families and helpers to bump them."""

    def __init__(self, *, process_metrics: bool = True) -> None:
        self.registry = CollectorRegistry()
        self.webhook_requests = _counter(catalog.WEBHOOK_REQUESTS, self.registry)
        self.alerts_received_total = _counter(catalog.ALERTS_RECEIVED, self.registry)
        self.ingest_duration = _histogram(catalog.INGEST_DURATION, self.registry)
        self.incidents_opened = _counter(catalog.INCIDENTS_OPENED, self.registry)
        self.time_to_acknowledge = _histogram(catalog.TIME_TO_ACKNOWLEDGE, self.registry)
        self.time_to_resolve = _histogram(catalog.TIME_TO_RESOLVE, self.registry)
        self.runbook_missing_total = _counter(catalog.RUNBOOK_MISSING, self.registry)
        self.escalations = _counter(catalog.ESCALATIONS, self.registry)
        self.notifications = _counter(catalog.NOTIFICATIONS, self.registry)
        self.notification_delivery = _histogram(catalog.NOTIFICATION_DELIVERY, self.registry)
        if process_metrics:
            ProcessCollector(registry=self.registry)

    def add_collector(self, collector: Collector) -> None:
        """Register a scrape-time collector (e.g. gauges read from the database)."""
        self.registry.register(collector)

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text exposition of everything registered, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    # --- bumped directly by request handling -------------------------------------------------
    def webhook_request(self, code: int) -> None:
        self.webhook_requests.labels(str(code)).inc()

    def observe_ingest(self, seconds: float) -> None:
        self.ingest_duration.observe(seconds)

    def alerts_received(self, statuses: Iterable[str]) -> None:
        """Count each alert of a notification by its status (firing, resolved)."""
        for status in statuses:
            self.alerts_received_total.labels(status).inc()

    # --- facts, normally queued with on_commit -------------------------------------------------
    def incident_opened(self, *, severity: str, service: str) -> None:
        self.incidents_opened.labels(severity, service).inc()

    def incident_acknowledged(self, *, severity: str, seconds: float) -> None:
        self.time_to_acknowledge.labels(severity).observe(max(seconds, 0.0))

    def incident_resolved(self, *, severity: str, seconds: float) -> None:
        self.time_to_resolve.labels(severity).observe(max(seconds, 0.0))

    def runbook_missing(self) -> None:
        self.runbook_missing_total.inc()

    def escalation_fired(self, *, severity: str) -> None:
        self.escalations.labels(severity).inc()

    def notification_attempted(self, *, outcome: str) -> None:
        self.notifications.labels(outcome).inc()

    def notification_delivered(self, *, kind: str, seconds: float) -> None:
        self.notification_delivery.labels(kind).observe(max(seconds, 0.0))

    # --- binding to sessions -----------------------------------------------------------------
    def bind(self, sessions: sessionmaker[Session]) -> None:
        """Make sessions from `sessions` carry this telemetry and count queued facts on commit."""
        info = dict(sessions.kw.get("info") or {})
        info[TELEMETRY_KEY] = self
        sessions.configure(info=info)
        if not event.contains(sessions, "after_commit", _flush_on_commit):
            event.listen(sessions, "after_commit", _flush_on_commit)
            event.listen(sessions, "after_transaction_create", _drop_stale)


def on_commit(session: Session, observe: Observation) -> None:
    """Apply `observe` to the session's telemetry when its transaction commits; forget it otherwise."""
    if session.info.get(TELEMETRY_KEY) is None:
        return  # a session of no app (a CLI, a test of the domain): nothing to count
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(PENDING_KEY, []).append(observe)


def _flush_on_commit(session: Session) -> None:
    pending: list[Observation] = session.info.pop(PENDING_KEY, [])
    telemetry: Telemetry | None = session.info.get(TELEMETRY_KEY)
    if telemetry is None:
        return
    for observe in pending:
        try:
            observe(telemetry)
        except Exception:  # a metric must never break a committed mutation
            log.exception("telemetry observation failed")


def _drop_stale(session: Session, transaction: SessionTransaction) -> None:
    # A new outermost transaction means whatever was queued before it never committed.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


# Functions the code paths call with the session of the mutation they describe.


def record_incident_opened(session: Session, *, severity: str, service: str, runbook_missing: bool) -> None:
    """An incident was opened or reopened (and whether it has no runbook)."""

    def observe(telemetry: Telemetry) -> None:
        telemetry.incident_opened(severity=severity, service=service)
        if runbook_missing:
            telemetry.runbook_missing()

    on_commit(session, observe)


def record_acknowledged(
    session: Session, *, severity: str, first_paged_at: datetime, first_acknowledged_at: datetime
) -> None:
    """An episode's first acknowledgement: TTA = first acknowledgement - first page (MTTA)."""
    seconds = (first_acknowledged_at - first_paged_at).total_seconds()
    on_commit(session, lambda t: t.incident_acknowledged(severity=severity, seconds=seconds))


def record_resolved(
    session: Session, *, severity: str, impact_started_at: datetime, resolved_at: datetime
) -> None:
    """An episode's resolution: TTR = resolved - impact start (MTTR)."""
    seconds = (resolved_at - impact_started_at).total_seconds()
    on_commit(session, lambda t: t.incident_resolved(severity=severity, seconds=seconds))


def record_escalation(session: Session, *, severity: str) -> None:
    on_commit(session, lambda t: t.escalation_fired(severity=severity))


def record_notification(session: Session, *, outcome: str) -> None:
    on_commit(session, lambda t: t.notification_attempted(outcome=outcome))


def record_delivered(session: Session, *, kind: str, seconds: float) -> None:
    """A notification accepted by its receiver `seconds` after the change it shows."""

    def observe(telemetry: Telemetry) -> None:
        telemetry.notification_attempted(outcome=catalog_names.SUCCESS)
        telemetry.notification_delivered(kind=kind, seconds=seconds)

    on_commit(session, observe)


def telemetry_of(holder: Any) -> Telemetry | None:
    """The Telemetry of an app (`app.state.telemetry`) or of a session, if it has one."""
    if isinstance(holder, Session):
        return holder.info.get(TELEMETRY_KEY)
    state = getattr(holder, "state", None)
    return getattr(state, "telemetry", None)
