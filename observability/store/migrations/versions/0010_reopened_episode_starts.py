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

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The reopen of episode e of incident i: its (e.episode - 1)th `reopened` event, counted by id.
_REOPENED_AT = """
    (SELECT t.at FROM timeline_events AS t
     WHERE t.incident_id = e.incident_id AND t.kind = 'reopened'
       AND (SELECT COUNT(*) FROM timeline_events AS u
            WHERE u.incident_id = t.incident_id AND u.kind = 'reopened' AND u.id <= t.id) = e.episode - 1)
"""


def upgrade() -> None:
    reopened_at = _REOPENED_AT
    op.execute(
        f"""
        UPDATE incident_episodes AS e SET
            impact_started_at = COALESCE(
                (SELECT MIN(a.starts_at) FROM incident_alerts AS a
                 WHERE a.incident_id = e.incident_id AND a.first_seen_at >= {reopened_at}
                   AND a.starts_at <= {reopened_at}),
                {reopened_at}),
            detected_at = {reopened_at},
            first_paged_at = (SELECT MIN(s.fired_at) FROM escalation_steps AS s
                              WHERE s.incident_id = e.incident_id AND s.status = 'fired'
                                AND s.fired_at >= {reopened_at}),
            first_acknowledged_at = CASE WHEN e.first_acknowledged_at >= {reopened_at}
                                         THEN e.first_acknowledged_at END
        WHERE e.episode > 1
          AND e.detected_at = (SELECT i.opened_at FROM incidents AS i WHERE i.id = e.incident_id)
          AND {reopened_at} IS NOT NULL
        """
    )


def downgrade() -> None:
    """Nothing to undo: the corrected timestamps are what 0004 should have written."""
