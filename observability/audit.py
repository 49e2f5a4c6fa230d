"""The audit log: one row per mutation, written in the mutation's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from observability.store.access_models import AuditEntry

INCIDENT_ACKNOWLEDGE = "incident.acknowledge"
INCIDENT_RESOLVE = "incident.resolve"
INCIDENT_NOTE = "incident.note"
INCIDENT_ESCALATE = "incident.escalate"
INCIDENT_SEVERITY = "incident.severity"
INCIDENT_DECLARE = "incident.declare"
TOKEN_CREATE = "token.create"
TOKEN_REVOKE = "token.revoke"

ACTOR_MAX = 200
TARGET_MAX = 200


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit row to the session; the caller's commit makes it durable with the mutation."""
    entry = AuditEntry(
        at=now, actor=actor[:ACTOR_MAX], action=action, target=target[:TARGET_MAX], details=details or {}
    )
    session.add(entry)
    return entry


def incident_target(incident_id: int) -> str:
    return f"incident:{incident_id}"


def token_target(name: str) -> str:
    return f"token:{name}"


def list_entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Entries newest first matching every given filter, and how many match in all."""
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if target is not None:
        query = query.where(AuditEntry.target == target)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total
