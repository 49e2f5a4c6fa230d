"""Incident episodes: the timestamps reviews and MTTA/MTTR are measured from, one row per opening.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from observability.store.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("episode", sa.Integer(), nullable=False),
        sa.Column("impact_started_at", UTCDateTime(), nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("first_paged_at", UTCDateTime(), nullable=True),
        sa.Column("first_acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("mitigated_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incident_episodes"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_episodes_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("incident_id", "episode", name="uq_incident_episodes_incident_id"),
    )


def downgrade() -> None:
    op.drop_table("incident_episodes")
