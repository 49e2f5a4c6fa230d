"""PostgreSQL: a notification's rows in one statement (data-modifying CTEs), so one round trip.

Row sets travel as JSON and are expanded with `json_populate_recordset`, so the statement text
depends only on which incident columns change and is prepared once per shape.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Connection, TextClause, text

from observability.ingest.writes import (
    INCIDENT_COLUMNS,
    IncidentRow,
    IncidentWrites,
    incident_alerts,
    ledger,
    timeline,
)

_RETURNING = ", ".join(column.name for column in INCIDENT_COLUMNS)
_ALERT_COLUMNS = [c.name for c in incident_alerts.columns if c.name not in ("id", "incident_id")]
_EVENT_COLUMNS = [c.name for c in timeline.columns if c.name not in ("id", "incident_id")]
_LEDGER_COLUMNS = [c.name for c in ledger.columns if c.name not in ("id", "incident_id")]


def _columns(names: list[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{name}" for name in names)


@lru_cache(maxsize=64)
def _statement(incident_keys: tuple[str, ...], opening: bool) -> TextClause:
    keys = list(incident_keys)
    record = "json_populate_record(NULL::incidents, CAST(:incident AS json))"
    if opening:
        incident = (
            f"INSERT INTO incidents ({_columns(keys)}) SELECT {_columns(keys)} FROM {record} "
            f"RETURNING {_RETURNING}"
        )
    else:
        incident = (
            f"UPDATE incidents SET ({_columns(keys)}) = (SELECT {_columns(keys)} FROM {record}) "
            f"WHERE id = :incident_id RETURNING {_RETURNING}"
        )
    alerts = "json_populate_recordset(NULL::incident_alerts, CAST(:new_alerts AS json)) WITH ORDINALITY AS r"
    changed = "json_populate_recordset(NULL::incident_alerts, CAST(:changed_alerts AS json)) AS r"
    events = "json_populate_recordset(NULL::timeline_events, CAST(:events AS json)) WITH ORDINALITY AS r"
    entry = "json_populate_record(NULL::ingest_ledger, CAST(:ledger AS json)) AS r"
    return text(
        f"""
        WITH inc AS ({incident}),
        new_alerts AS (
            INSERT INTO incident_alerts (incident_id, {_columns(_ALERT_COLUMNS)})
            SELECT inc.id, {_columns(_ALERT_COLUMNS, "r.")} FROM inc, {alerts} ORDER BY r.ordinality
        ),
        changed_alerts AS (
            UPDATE incident_alerts AS a
            SET status = r.status, ends_at = r.ends_at, last_seen_at = r.last_seen_at
            FROM inc, {changed}
            WHERE a.incident_id = inc.id AND a.fingerprint = r.fingerprint AND a.starts_at = r.starts_at
        ),
        events AS (
            INSERT INTO timeline_events (incident_id, {_columns(_EVENT_COLUMNS)})
            SELECT inc.id, {_columns(_EVENT_COLUMNS, "r.")} FROM inc, {events} ORDER BY r.ordinality
        ),
        entry AS (
            INSERT INTO ingest_ledger (incident_id, {_columns(_LEDGER_COLUMNS)})
            SELECT inc.id, {_columns(_LEDGER_COLUMNS, "r.")} FROM inc, {entry}
            ON CONFLICT (content_hash) DO NOTHING RETURNING id
        )
        SELECT inc.*, EXISTS (SELECT 1 FROM entry) AS ledger_inserted FROM inc
        """
    )


def _json(value: Any) -> str:
    # pydantic-core's encoder: datetimes as ISO 8601, several times faster than json.dumps here.
    return to_json(value).decode()


def apply_postgres(connection: Connection, writes: IncidentWrites) -> tuple[IncidentRow, bool]:
    """Write everything in one statement; returns the incident row and whether the ledger took it."""
    opening = writes.incident_id is None
    statement = _statement(tuple(sorted(writes.incident_values)), opening)
    row = connection.execute(
        statement,
        {
            "incident": _json(writes.incident_values),
            "incident_id": writes.incident_id,
            "new_alerts": _json(writes.new_alerts),
            "changed_alerts": _json(writes.changed_alerts),
            "events": _json(writes.events),
            "ledger": _json(writes.ledger_values),
        },
    ).one()
    return row, bool(row.ledger_inserted)
