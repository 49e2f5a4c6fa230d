"""Delivery fixtures: a migrated store on both backends with incidents to hang outbox rows on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from observability.store.escalation_models import OUTBOX_PENDING, OutboxMessage
from observability.store.models import Incident
from tests.ingest.stores import store_url

__all__ = ["store_url"]

T0 = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def add_incident(
    session: Session, *, title: str = "API down", severity: str = "critical", at: datetime = T0
) -> int:
    incident = Incident(
        group_key=f"g-{uuid.uuid4().hex}",
        status="triggered",
        title=title,
        service="api",
        severity=severity,
        opened_at=at,
        updated_at=at,
    )
    session.add(incident)
    session.flush()
    return incident.id


def add_row(
    session: Session,
    incident_id: int,
    *,
    kind: str = "slack.thread",
    stream: str = "s1",
    at: datetime = T0,
    **extra: Any,
) -> int:
    row = OutboxMessage(
        incident_id=incident_id,
        kind=kind,
        target="slack",
        channel="C1",
        stream=stream,
        payload=extra.pop("payload", {"text": "hi"}),
        idempotency_key=f"{kind}:{incident_id}:{stream}:{at.timestamp()}:{extra.pop('key', '')}",
        status=OUTBOX_PENDING,
        attempts=0,
        next_attempt_at=at,
        created_at=at,
        **extra,
    )
    session.add(row)
    session.flush()
    return row.id
