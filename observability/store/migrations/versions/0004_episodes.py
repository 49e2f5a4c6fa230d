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
    # Incidents from before episodes get one: their latest opening, from what the incident kept
    # (a reopened one's impact start is then its first opening: nothing better was recorded).
    op.execute(
        """
        INSERT INTO incident_episodes (
            incident_id, episode, impact_started_at, detected_at, first_paged_at,
            first_acknowledged_at, mitigated_at, resolved_at
        )
        SELECT i.id, i.reopen_count + 1, i.opened_at, i.opened_at,
            (SELECT MIN(s.fired_at) FROM escalation_steps AS s
             WHERE s.incident_id = i.id AND s.status = 'fired' AND s.fired_at >= i.opened_at),
            i.acknowledged_at,
            CASE WHEN i.firing_alerts = 0 THEN i.resolved_at END,
            i.resolved_at
        FROM incidents AS i
        """
    )


def downgrade() -> None:
    op.drop_table("incident_episodes")
