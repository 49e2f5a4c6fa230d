"""Delivery and Slack state: pacing per stream, the Slack place of each incident, digests, request dedup.

The outbox rows themselves are `notification_outbox` (escalation_models.OutboxMessage); delivery
adds to them the stream they are ordered in and whether an attempt's outcome is in doubt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from observability.store.base import Base, UTCDateTime

# Terminal outbox statuses besides escalation_models' sent/failed: given up after the configured
# time (dead letters, counted and alerted on), and nothing to send (no sender for its kind).
OUTBOX_DEAD = "dead"
OUTBOX_SKIPPED = "skipped"

# Where an incident's card lives: its own channel, a shared alerts channel, or the storm digest.
PLACE_CHANNEL = "channel"
PLACE_SHARED = "shared"
PLACE_DIGEST = "digest"


class DeliveryStream(Base):
    """One ordered stream of outbox rows (a Slack channel): when it may send its next message."""

    __tablename__ = "delivery_streams"

    stream: Mapped[str] = mapped_column(String(160), primary_key=True)
    next_send_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlackIncident(Base):
    """Where an incident is shown in Slack: its channel (id once created) and its card's message ts."""

    __tablename__ = "slack_incidents"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    place: Mapped[str] = mapped_column(String(16))  # PLACE_CHANNEL, PLACE_SHARED or PLACE_DIGEST
    channel: Mapped[str] = mapped_column(String(32), default="")  # Slack's channel id, once known
    # The incident channel's name, or the shared channel as configured ("#alerts-platform" or an id).
    channel_name: Mapped[str] = mapped_column(String(128), default="")
    card_ts: Mapped[str] = mapped_column(String(32), default="")
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("slack_digests.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlackDigest(Base):
    """One storm digest in a shared channel: one message, edited as incidents join it."""

    __tablename__ = "slack_digests"
    __table_args__ = (
        Index("ix_slack_digests_channel_last", "channel", "last_joined_at"),
        # At most one open digest per channel: concurrent writers (replicas on PostgreSQL) join it.
        Index("uq_slack_digests_open_channel", "open_channel", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(128))  # as configured: "#alerts-platform" or an id
    channel_id: Mapped[str] = mapped_column(String(32), default="")  # Slack's id, once posted
    ts: Mapped[str] = mapped_column(String(32), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # `channel` while this is the channel's open digest (incidents join it while its window lasts);
    # NULL once a later storm opened the next one (NULLs are distinct: closed digests never clash).
    open_channel: Mapped[str | None] = mapped_column(String(128), nullable=True, default=None)


class SlackRequest(Base):
    """A Slack request already handled (its retries change nothing): the key is its event or trigger id."""

    __tablename__ = "slack_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(Text, default="")
