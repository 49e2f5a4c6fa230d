"""Gauges read from the database at scrape time, so every replica reports the same truth."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from observability.catalog import Metric as CatalogMetric
from observability.catalog import platform as catalog
from observability.store.delivery_models import OUTBOX_DEAD
from observability.store.escalation_models import OUTBOX_PENDING, OutboxMessage
from observability.store.models import RESOLVED, Heartbeat, Incident

log = logging.getLogger(__name__)

WATCHDOG_HEARTBEAT = "Watchdog"


def _gauge(metric: CatalogMetric) -> GaugeMetricFamily:
    return GaugeMetricFamily(metric.name, metric.help, labels=metric.labels)


class StoreGaugeCollector:
    """A prometheus-client collector of open incidents, the outbox and the Watchdog heartbeat."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> list[Metric]:
        # Describing without querying keeps registration free of database access.
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            with self.sessions() as session:
                families = [
                    open_incidents(session),
                    watchdog_last_seen(session),
                    *outbox_gauges(session, self.clock()),
                ]
        except SQLAlchemyError as exc:
            # /metrics still answers (process and counters); /readyz reports the database.
            log.warning("database gauges unavailable: %s", exc.__class__.__name__)
            return
        yield from families


def open_incidents(session: Session) -> GaugeMetricFamily:
    family = _gauge(catalog.INCIDENTS_OPEN)
    rows = session.execute(
        select(Incident.severity, Incident.service, func.count())
        .where(Incident.status != RESOLVED)
        .group_by(Incident.severity, Incident.service)
        .order_by(Incident.severity, Incident.service)
    )
    for severity, service, count in rows:
        family.add_metric([severity, service], count)
    return family


def watchdog_last_seen(session: Session) -> GaugeMetricFamily:
    family = _gauge(catalog.WATCHDOG_LAST_SEEN)
    seen = session.scalar(select(Heartbeat.last_seen_at).where(Heartbeat.name == WATCHDOG_HEARTBEAT))
    if seen is not None:
        family.add_metric([], seen.timestamp())
    return family


def outbox_gauges(session: Session, now: datetime) -> list[GaugeMetricFamily]:
    """Notifications waiting in the outbox, the age of the oldest (0 when none waits), dead letters."""
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OUTBOX_PENDING)
    ).one()
    backlog = _gauge(catalog.OUTBOX_BACKLOG)
    backlog.add_metric([], count)
    age = _gauge(catalog.OUTBOX_OLDEST_AGE)
    age.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0)
    dead = _gauge(catalog.OUTBOX_DEAD_LETTERS)
    dead.add_metric([], session.scalar(select(func.count()).where(OutboxMessage.status == OUTBOX_DEAD)) or 0)
    return [backlog, age, dead]
