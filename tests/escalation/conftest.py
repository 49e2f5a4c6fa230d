"""Escalation fixtures: the shipped matrix, a migrated store on both backends, and a desk that opens,
acknowledges and resolves incidents through the real ingest and service code with an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from observability import incident_actions as service
from observability.escalation import hooks
from observability.escalation.engine import EscalationEngine
from observability.escalation.loading import load_matrix
from observability.escalation.matrix import Matrix
from observability.incidents.payload import AlertmanagerNotification
from observability.ingest.pipeline import ingest_notification
from observability.ingest.rule_index import load_rule_for
from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import EscalationStep, OutboxMessage
from observability.store.models import Incident, TimelineEvent
from tests.conftest import REPO_ROOT
from tests.ingest.payloads import alert, notification
from tests.ingest.stores import store_url

__all__ = ["store_url"]

REOPEN_WINDOW = timedelta(minutes=30)


@pytest.fixture
def matrix(repo_root: Path) -> Matrix:
    """The shipped matrix (the desk passes it to ingest, the service functions and the engine)."""
    return load_matrix(repo_root / "incident")


class Desk:
    """Incidents on one store, driven through the real ingest and service functions."""

    def __init__(self, url: str, matrix: Matrix, worker: str = "test-engine") -> None:
        self.url = url
        self.matrix = matrix
        self.rule_for = load_rule_for(REPO_ROOT)
        self.db = make_engine(url)
        self.sessions = session_factory(self.db)
        self.now: datetime | None = None
        self.engine = EscalationEngine(self.sessions, matrix, clock=self.clock, worker=worker)

    def clock(self) -> datetime:
        assert self.now is not None, "set desk.now first"
        return self.now

    def open(
        self,
        at: datetime,
        *,
        service: str = "api",
        severity: str = "critical",
        group: str = "g1",
        starts_at: datetime | None = None,
    ) -> int:
        """Alertmanager reports a firing group at `at` (its alert started at `starts_at`, default
        `at`); the id of the incident it opens (or reopens)."""
        fired = alert(f"fp-{group}", service=service, severity=severity, starts_at=starts_at or at)
        body = notification([fired], group_key=group)
        result = ingest_notification(
            self.sessions,
            AlertmanagerNotification.model_validate(body),
            now=at,
            reopen_window=REOPEN_WINDOW,
            runbooks={},
            matrix=self.matrix,
            rule_for=self.rule_for,
        )
        assert result.incident_id is not None
        return result.incident_id

    def open_many(self, count: int, at: datetime) -> list[int]:
        """`count` incidents opened at once in one transaction, each planned by the opened hook."""
        with self.sessions.begin() as session:
            incidents = [
                Incident(
                    group_key=f"bulk-{n}",
                    status="triggered",
                    title=f"bulk {n}",
                    service="api",
                    severity="critical",
                    receiver="test",
                    group_labels={},
                    flapping=False,
                    reopen_count=0,
                    firing_alerts=1,
                    truncated_alerts=0,
                    runbook_missing=False,
                    opened_at=at,
                    updated_at=at,
                )
                for n in range(count)
            ]
            session.add_all(incidents)
            session.flush()
            for incident in incidents:
                hooks.on_opened(session, incident, at, self.matrix)
            return [incident.id for incident in incidents]

    def alert_resolves(
        self,
        started: datetime,
        at: datetime,
        *,
        group: str = "g1",
        service: str = "api",
        ended_at: datetime | None = None,
    ) -> None:
        """The alert that fired at `started` (opening the group's incident) is reported resolved at
        `at` (having ended at `ended_at`, default `at`)."""
        fired = alert(f"fp-{group}", service=service, starts_at=started)
        ended = (ended_at or at).isoformat()
        body = notification([{**fired, "status": "resolved", "endsAt": ended}], group_key=group)
        ingest_notification(
            self.sessions,
            AlertmanagerNotification.model_validate(body),
            now=at,
            reopen_window=REOPEN_WINDOW,
            runbooks={},
            matrix=self.matrix,
            rule_for=self.rule_for,
        )

    def acknowledge(self, incident_id: int, at: datetime, actor: str = "anna") -> None:
        with self.sessions.begin() as session:
            service.acknowledge(session, incident_id=incident_id, actor=actor, now=at, matrix=self.matrix)

    def escalate(self, incident_id: int, at: datetime, actor: str = "anna") -> None:
        with self.sessions.begin() as session:
            service.escalate_now(session, incident_id=incident_id, actor=actor, now=at, matrix=self.matrix)

    def resolve(self, incident_id: int, at: datetime, actor: str = "anna") -> None:
        with self.sessions.begin() as session:
            service.resolve(session, incident_id=incident_id, actor=actor, now=at)

    def tick(self, at: datetime) -> int:
        self.now = at
        return self.engine.tick(at)

    def escalations(self, incident_id: int | None = None) -> list[TimelineEvent]:
        with self.sessions() as session:
            query = select(TimelineEvent).where(TimelineEvent.kind == "escalated").order_by(TimelineEvent.id)
            if incident_id is not None:
                query = query.where(TimelineEvent.incident_id == incident_id)
            return list(session.scalars(query))

    def outbox(self, incident_id: int | None = None) -> list[OutboxMessage]:
        with self.sessions() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if incident_id is not None:
                query = query.where(OutboxMessage.incident_id == incident_id)
            return list(session.scalars(query))

    def steps(self, incident_id: int, status: str | None = None) -> list[EscalationStep]:
        with self.sessions() as session:
            query = select(EscalationStep).where(EscalationStep.incident_id == incident_id)
            if status is not None:
                query = query.where(EscalationStep.status == status)
            return list(session.scalars(query.order_by(EscalationStep.due_at, EscalationStep.id)))

    def incident(self, incident_id: int) -> Incident:
        with self.sessions() as session:
            found = session.get(Incident, incident_id)
            assert found is not None
            return found

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.db.dispose()


@pytest.fixture
def desk(store_url: str, matrix: Matrix) -> Iterator[Desk]:
    opened = Desk(store_url, matrix)
    yield opened
    opened.close()


def paged(event: TimelineEvent) -> list[tuple[str, Any]]:
    """(target, person or channel) for each page of an `escalated` event."""
    return [(page["target"], page["person"] or page["address"]) for page in event.data["pages"]]
