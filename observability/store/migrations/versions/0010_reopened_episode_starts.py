"""Backfilled episodes of reopened incidents start at their reopen, not at the first opening.

Migration 0004 gave each incident from before episodes one episode, its latest opening, but dated it
from the incident's `opened_at`: a reopened incident's episode then started (impact, detection) at
its first opening, and its TTR spanned every opening. This corrects those rows only: an episode
after the first whose detection is the incident's `opened_at` (never true of an episode the code
writes, which is detected when its reopen arrives) and whose reopen the timeline still holds. Its
reopen is the timeline's (episode - 1)th `reopened` event; from it come the detection, the impact
start (the earliest `startsAt` of the alerts first seen since then, never after the detection),
the first page (steps fired since) and the acknowledgement (only one made since). Idempotent: a
corrected row no longer matches. Data only, so expand-safe; `downgrade` leaves the corrected data.
Metrics already observed and review versions already stored are not rewritten.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from observability.store.base import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The tables as this migration reads and writes them (only the columns it needs).
EPISODES = sa.table(
    "incident_episodes",
    *(sa.column(name) for name in ("id", "incident_id", "episode")),
    *(sa.column(name, UTCDateTime()) for name in ("impact_started_at", "detected_at")),
    *(sa.column(name, UTCDateTime()) for name in ("first_paged_at", "first_acknowledged_at")),
)
INCIDENTS = sa.table("incidents", sa.column("id"), sa.column("opened_at", UTCDateTime()))
TIMELINE = sa.table(
    "timeline_events",
    sa.column("id"),
    sa.column("incident_id"),
    sa.column("kind"),
    sa.column("at", UTCDateTime()),
)
ALERTS = sa.table(
    "incident_alerts",
    sa.column("incident_id"),
    sa.column("starts_at", UTCDateTime()),
    sa.column("first_seen_at", UTCDateTime()),
)
STEPS = sa.table(
    "escalation_steps", sa.column("incident_id"), sa.column("status"), sa.column("fired_at", UTCDateTime())
)


def upgrade() -> None:
    connection = op.get_bind()
    # Only rows 0004 wrote: no code path writes a later episode detected at the first opening.
    candidates = connection.execute(
        sa.select(EPISODES.c.id, EPISODES.c.incident_id, EPISODES.c.episode, EPISODES.c.first_acknowledged_at)
        .select_from(EPISODES.join(INCIDENTS, INCIDENTS.c.id == EPISODES.c.incident_id))
        .where(EPISODES.c.episode > 1, EPISODES.c.detected_at == INCIDENTS.c.opened_at)
    ).all()
    for episode_id, incident_id, episode, acknowledged_at in candidates:
        reopened_at = connection.scalar(  # the (episode - 1)th reopen of the incident
            sa.select(TIMELINE.c.at)
            .where(TIMELINE.c.incident_id == incident_id, TIMELINE.c.kind == "reopened")
            .order_by(TIMELINE.c.id)
            .offset(episode - 2)
            .limit(1)
        )
        if reopened_at is None:
            continue  # the timeline does not say when: left as 0004 wrote it
        started_at = connection.scalar(
            sa.select(sa.func.min(ALERTS.c.starts_at)).where(
                ALERTS.c.incident_id == incident_id,
                ALERTS.c.first_seen_at >= reopened_at,
                ALERTS.c.starts_at <= reopened_at,
            )
        )
        first_paged_at = connection.scalar(
            sa.select(sa.func.min(STEPS.c.fired_at)).where(
                STEPS.c.incident_id == incident_id, STEPS.c.status == "fired", STEPS.c.fired_at >= reopened_at
            )
        )
        connection.execute(
            EPISODES.update()
            .where(EPISODES.c.id == episode_id)
            .values(
                impact_started_at=started_at or reopened_at,
                detected_at=reopened_at,
                first_paged_at=first_paged_at,
                first_acknowledged_at=acknowledged_at
                if acknowledged_at is not None and acknowledged_at >= reopened_at
                else None,
            )
        )


def downgrade() -> None:
    """Nothing to undo: the corrected timestamps are what 0004 should have written."""
