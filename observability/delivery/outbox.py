"""Claiming and settling outbox rows (store side): leases, order per stream, pacing per stream.

A row is claimable when it is pending, due, not leased (or its lease expired: its sender died),
the oldest pending row of its stream, and its stream may send (paced). PostgreSQL claims with
`FOR UPDATE SKIP LOCKED`, so replicas never claim the same row; SQLite has one writer at a time.
The claim commits the lease at once; the send happens outside any transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from observability.delivery.sender import Message
from observability.store.delivery_models import DeliveryStream
from observability.store.escalation_models import OUTBOX_PENDING, OutboxMessage

_earlier = aliased(OutboxMessage)


def claim(
    session: Session,
    *,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    kinds: Sequence[str],
    paced_kinds: Collection[str] = (),
    pacing: timedelta = timedelta(seconds=1),
) -> list[Message]:
    """Lease up to `limit` claimable rows of `kinds` to `owner` (in the caller's transaction).

    Claiming a row of `paced_kinds` (one that posts or edits a message) holds its stream for `pacing`.
    """
    head = ~exists().where(
        _earlier.stream == OutboxMessage.stream,
        _earlier.status == OUTBOX_PENDING,
        _earlier.id < OutboxMessage.id,
    )
    paced = ~exists().where(DeliveryStream.stream == OutboxMessage.stream, DeliveryStream.next_send_at > now)
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OUTBOX_PENDING,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.kind.in_(kinds),
            or_(OutboxMessage.lease_expires_at.is_(None), OutboxMessage.lease_expires_at <= now),
            or_(OutboxMessage.stream == "", and_(head, paced)),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )
    rows = list(session.scalars(query))
    messages = []
    for row in rows:
        # A lease that ran out while the row was still pending: whoever held it may have sent it.
        doubtful = row.in_doubt or row.lease_owner is not None
        row.attempts += 1
        row.lease_owner, row.lease_expires_at = owner, now + lease
        row.in_doubt = doubtful
        if row.kind in paced_kinds:
            pace(session, row.stream, now + pacing)
        messages.append(
            Message(
                id=row.id,
                incident_id=row.incident_id,
                kind=row.kind,
                channel=row.channel,
                stream=row.stream,
                payload=dict(row.payload or {}),
                person=row.person,
                target=row.target,
                attempts=row.attempts,
                in_doubt=doubtful,
                created_at=row.created_at,
            )
        )
    session.flush()
    return messages


def pace(session: Session, stream: str, until: datetime) -> None:
    """The stream sends nothing more before `until` (about one message a second per channel)."""
    if not stream:
        return
    found = session.get(DeliveryStream, stream, with_for_update=True)
    if found is None:
        session.add(DeliveryStream(stream=stream, next_send_at=until))
    elif found.next_send_at < until:
        found.next_send_at = until
    session.flush()


def settle(session: Session, message_id: int, owner: str, **values: object) -> bool:
    """Write the outcome of this owner's attempt; False when the lease was lost to another sender."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def next_due_at(session: Session, kinds: Sequence[str]) -> datetime | None:
    """When the earliest pending row of `kinds` is due (ignoring leases and pacing)."""
    return session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == OUTBOX_PENDING, OutboxMessage.kind.in_(kinds))
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )
