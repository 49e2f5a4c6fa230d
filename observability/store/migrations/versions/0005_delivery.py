"""Notification delivery and the Slack bot: outbox streams and doubt, pacing, Slack places, digests, dedup.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from observability.store.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("notification_outbox") as batch:
        batch.add_column(sa.Column("stream", sa.String(160), nullable=False, server_default=""))
        batch.add_column(sa.Column("in_doubt", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("delivered_ref", sa.String(64), nullable=False, server_default=""))
    op.create_index(
        "ix_notification_outbox_pending_stream",
        "notification_outbox",
        ["stream", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_table(
        "delivery_streams",
        sa.Column("stream", sa.String(160), nullable=False),
        sa.Column("next_send_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("stream", name="pk_delivery_streams"),
    )
    op.create_table(
        "slack_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(128), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("last_joined_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_digests"),
    )
    op.create_index("ix_slack_digests_channel_last", "slack_digests", ["channel", "last_joined_at"])
    op.create_table(
        "slack_incidents",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("channel_name", sa.String(128), nullable=False),
        sa.Column("card_ts", sa.String(32), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name="pk_slack_incidents"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_slack_incidents_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["slack_digests.id"], name="fk_slack_incidents_digest_id_slack_digests"
        ),
    )
    op.create_table(
        "slack_requests",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_slack_requests"),
    )


def downgrade() -> None:
    op.drop_table("slack_requests")
    op.drop_table("slack_incidents")
    op.drop_index("ix_slack_digests_channel_last", table_name="slack_digests")
    op.drop_table("slack_digests")
    op.drop_table("delivery_streams")
    op.drop_index("ix_notification_outbox_pending_stream", table_name="notification_outbox")
    with op.batch_alter_table("notification_outbox") as batch:
        batch.drop_column("delivered_ref")
        batch.drop_column("in_doubt")
        batch.drop_column("stream")
