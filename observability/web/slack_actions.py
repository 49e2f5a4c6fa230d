"""What a Slack request does to the database: dedup, the transition, its audit row, one transaction.

A request already handled (Slack's retry of it, a double click carrying the same trigger) finds
its key in `slack_requests` and changes nothing. The Slack rows the change needs (card edit,
thread line) are written by the incident actions themselves, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from observability import audit
from observability.incidents.errors import IncidentNotFound, InvalidTransition
from observability.store.delivery_models import SlackRequest
from observability.store.engine import serial_writes
from observability.store.transient import commit_with_retry


@dataclass(frozen=True)
class Reply:
    """What to tell the user (ephemeral); `duplicate` when the request was handled before."""

    text: str
    ok: bool = True
    duplicate: bool = False
    incident_id: int | None = None


Change = Callable[[Session], tuple[str, int | None, dict[str, Any]]]


def apply(
    sessions: sessionmaker[Session],
    *,
    key: str,
    kind: str,
    actor: str,
    action: str,
    target: Callable[[int | None], str],
    change: Change,
    now: datetime,
) -> Reply:
    """Run `change` (answer text, incident id, audit details) once for `key`, audited as `action`."""
    with serial_writes(sessions), sessions() as session:

        def work() -> Reply:
            if session.get(SlackRequest, key) is not None:
                return Reply("Already done (Slack sent this request again).", duplicate=True)
            session.add(SlackRequest(key=key, kind=kind, received_at=now, actor=actor))
            session.flush()
            try:
                with session.begin_nested():
                    text, incident_id, details = change(session)
                    audit.record(
                        session,
                        actor=actor,
                        action=action,
                        target=target(incident_id),
                        now=now,
                        details=details,
                    )
            except (IncidentNotFound, InvalidTransition, ValueError) as exc:
                # Refused: nothing changes but the dedup key, so a retry gets the same answer.
                return Reply(_sentence(str(exc)), ok=False)
            return Reply(text, incident_id=incident_id)

        try:
            return commit_with_retry(session, work)
        except IntegrityError:
            session.rollback()  # the same request, handled at this moment by another replica
            return Reply("Already done (Slack sent this request again).", duplicate=True)


def remember(sessions: sessionmaker[Session], *, key: str, kind: str, actor: str, now: datetime) -> bool:
    """Record a request that changes nothing else; False when it was handled before."""
    with serial_writes(sessions), sessions() as session:
        if session.get(SlackRequest, key) is not None:
            return False
        session.add(SlackRequest(key=key, kind=kind, received_at=now, actor=actor))
        try:
            session.commit()
        except IntegrityError:
            return False
        return True


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
