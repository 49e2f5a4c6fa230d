"""Escalation steps (rows with due times) and the notification outbox.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from observability.store.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "escalation_steps",
        sa.Column("id", BigId, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("fired_at", UTCDateTime(), nullable=True),
        sa.Column("fired_by", sa.String(128), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancel_reason", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_steps"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_escalation_steps_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "incident_id", "round", "cycle", "step", name="uq_escalation_steps_plan_position"
        ),
    )
    op.create_index(
        "ix_escalation_steps_pending_due",
        "escalation_steps",
        ["due_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index("ix_escalation_steps_incident_status", "escalation_steps", ["incident_id", "status"])

    op.create_table(
        "notification_outbox",
        sa.Column("id", BigId, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("escalation_step_id", BigId, nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("person", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_outbox"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_notification_outbox_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["escalation_step_id"],
            ["escalation_steps.id"],
            name="fk_notification_outbox_escalation_step_id_escalation_steps",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_notification_outbox_idempotency_key"),
    )
    op.create_index(
        "ix_notification_outbox_pending_next",
        "notification_outbox",
        ["next_attempt_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index("ix_notification_outbox_incident_id", "notification_outbox", ["incident_id"])


def downgrade() -> None:
    op.drop_table("notification_outbox")
    op.drop_table("escalation_steps")
