"""Escalation tables: planned steps with due times, and the notification outbox they fill."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from observability.store.base import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer(), "sqlite")

# Step statuses: a pending step fires once (then `fired`) unless an ack/resolve cancels it first.
STEP_PENDING = "pending"
STEP_FIRED = "fired"
STEP_CANCELLED = "cancelled"
PENDING_STEP_WHERE = text(f"status = '{STEP_PENDING}'")

# Outbox statuses: the Slack sender moves pending rows to sent (or failed after its retries).
OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
PENDING_OUTBOX_WHERE = text(f"status = '{OUTBOX_PENDING}'")


class EscalationStep(Base):
    """One step of an incident's escalation plan, due at `due_at`; fired or cancelled exactly once."""

    __tablename__ = "escalation_steps"
    __table_args__ = (
        UniqueConstraint("incident_id", "round", "cycle", "step", name="uq_escalation_steps_plan_position"),
        # The tick's query: pending steps in due order. Partial, so fired history costs it nothing.
        Index(
            "ix_escalation_steps_pending_due",
            "due_at",
            sqlite_where=PENDING_STEP_WHERE,
            postgresql_where=PENDING_STEP_WHERE,
        ),
        Index("ix_escalation_steps_incident_status", "incident_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    policy: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    targets: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{"rotation": "platform-primary"}, …]
    status: Mapped[str] = mapped_column(String(16), default=STEP_PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fired_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # the replica that fired it
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(32), default="")


class OutboxMessage(Base):
    """A notification to deliver (Slack DM or channel post), idempotent by `idempotency_key`.

    Senders claim due pending rows by setting a lease (`lease_owner`, `lease_expires_at`); a
    sender that dies leaves its lease to expire, and another one takes the row over.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index(
            "ix_notification_outbox_pending_next",
            "next_attempt_at",
            sqlite_where=PENDING_OUTBOX_WHERE,
            postgresql_where=PENDING_OUTBOX_WHERE,
        ),
        Index("ix_notification_outbox_incident_id", "incident_id"),
        # Delivery sends a stream's rows in id order: the head of each stream is its oldest pending.
        Index(
            "ix_notification_outbox_pending_stream",
            "stream",
            "id",
            sqlite_where=PENDING_OUTBOX_WHERE,
            postgresql_where=PENDING_OUTBOX_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    escalation_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_steps.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # "page" for escalation steps
    target: Mapped[str] = mapped_column(String(200))  # "rotation:platform-primary", "channel:#inc-api"
    person: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str] = mapped_column(String(128))  # Slack member id (a DM) or channel
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Added by delivery (migration 0005): the ordered stream (a Slack channel; "" for none), whether
    # the last attempt may have reached the receiver (a crash or timeout after sending: reconcile
    # before sending again), and what the receiver answered (a Slack message ts).
    stream: Mapped[str] = mapped_column(String(160), default="", server_default="")
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    delivered_ref: Mapped[str] = mapped_column(String(64), default="", server_default="")
