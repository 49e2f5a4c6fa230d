"""What the shared database holds for one storm: incidents, alerts, pages, and any duplicates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, text


@dataclass(frozen=True)
class StormCounts:
    incidents: int
    alerts: int
    fired_steps: int
    pages: int  # escalation pages (outbox rows of kind `page`; Slack's rows are not pages)
    duplicate_pages: int  # page rows beyond the first for one (incident, step, target)
    duplicate_escalations: int  # `escalated` timeline events beyond the first for one step
    incidents_without_a_page: int


def storm_counts(database_url: str, prefix: str) -> StormCounts:
    """Count with SQL alone (no app code), so the test checks the rows, not the service's view of them."""
    engine = create_engine(database_url)
    storm = "SELECT DISTINCT incident_id FROM incident_alerts WHERE alertname LIKE :prefix"
    queries = {
        "incidents": f"SELECT count(*) FROM ({storm}) s",
        "alerts": "SELECT count(*) FROM incident_alerts WHERE alertname LIKE :prefix",
        "fired_steps": (
            f"SELECT count(*) FROM escalation_steps WHERE fired_at IS NOT NULL AND incident_id IN ({storm})"
        ),
        "pages": f"SELECT count(*) FROM notification_outbox WHERE kind = 'page' AND incident_id IN ({storm})",
        "duplicate_pages": (
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM notification_outbox "
            f"WHERE kind = 'page' AND incident_id IN ({storm}) "
            "GROUP BY incident_id, escalation_step_id, target) d"
        ),
        "duplicate_escalations": (
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM timeline_events "
            f"WHERE kind = 'escalated' AND incident_id IN ({storm}) GROUP BY incident_id, data->>'step_id') d"
        ),
        "incidents_without_a_page": (
            f"SELECT count(*) FROM ({storm}) s WHERE NOT EXISTS "
            "(SELECT 1 FROM notification_outbox o WHERE o.kind = 'page' AND o.incident_id = s.incident_id)"
        ),
    }
    try:
        with engine.connect() as connection:
            values = {
                name: int(connection.execute(text(sql), {"prefix": f"{prefix}%"}).scalar_one())
                for name, sql in queries.items()
            }
    finally:
        engine.dispose()
    return StormCounts(**values)
