"""The PostgreSQL write path: one read and one write statement (data-modifying CTEs) per notification.

Row sets travel as JSON and are expanded with `json_populate_recordset`, so the statement text
depends only on which incident columns change, and psycopg prepares it once per shape. Both run
on the session's psycopg connection, inside the session's transaction: on this path
SQLAlchemy's per-statement work cost as much CPU as the rest of the ingest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from pydantic_core import to_json
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from observability.ingest.rows import (
    INCIDENT_COLUMNS,
    Applied,
    IncidentWrites,
    Known,
    incident_alerts,
    ledger,
    timeline,
)

_RETURNING = ", ".join(column.name for column in INCIDENT_COLUMNS)
_ALERT_COLUMNS = [c.name for c in incident_alerts.columns if c.name not in ("id", "incident_id")]
_EVENT_COLUMNS = [c.name for c in timeline.columns if c.name not in ("id", "incident_id")]
_LEDGER_COLUMNS = [c.name for c in ledger.columns if c.name not in ("id", "incident_id")]
_EPISODE_COLUMNS = ["episode", "impact_started_at", "detected_at", "mitigated_at", "resolved_at"]


def _columns(names: list[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{name}" for name in names)


_READ_LATEST = f"""
    WITH latest AS (
        SELECT {_RETURNING} FROM incidents WHERE group_key = %s
        ORDER BY id DESC LIMIT 1 FOR NO KEY UPDATE
    )
    SELECT latest.*, a.fingerprint, a.starts_at, a.status AS alert_status
    FROM latest LEFT JOIN incident_alerts AS a
    ON a.incident_id = latest.id
    AND a.fingerprint = ANY(ARRAY(SELECT json_array_elements_text(CAST(%s AS json))))
"""


def read_latest(connection: Connection, group_key: str, fingerprints: list[str]) -> tuple[Any | None, Known]:
    """The group's latest incident (locked) and the statuses of its alerts among `fingerprints`."""
    with _cursor(connection) as cursor:
        # Positional parameters, the fingerprints as one JSON text: psycopg's list adaptation
        # (element type inference) cost more than the rest of the read's client side.
        rows = cursor.execute(_READ_LATEST, (group_key, _json(fingerprints))).fetchall()
    if not rows:
        return None, {}
    known = {
        (row.fingerprint, row.starts_at): row.alert_status for row in rows if row.fingerprint is not None
    }
    return rows[0], known


@contextmanager
def _cursor(connection: Connection) -> Iterator[Any]:
    """A psycopg cursor on the session's connection; a lost server connection discards the pool."""
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor(row_factory=namedtuple_row) as cursor:
            yield cursor
    except psycopg.OperationalError as exc:
        if driver.broken:
            # What SQLAlchemy does when it sees a disconnect itself: the server went away, so
            # every pooled connection is stale (the engine runs without pre-ping).
            connection.invalidate(exc)
            connection.engine.dispose(close=False)
        raise


@lru_cache(maxsize=256)
def _statement(
    incident_keys: tuple[str, ...], opening: bool, episode_opened: bool, episode_closed: bool
) -> str:
    keys = list(incident_keys)
    # Positional parameters, in the order of IncidentWrites' parameters (see apply).
    record = "json_populate_record(NULL::incidents, CAST(%s AS json))"
    if opening:
        incident = (
            f"INSERT INTO incidents ({_columns(keys)}) SELECT {_columns(keys)} FROM {record} "
            f"RETURNING {_RETURNING}"
        )
    else:
        incident = (
            f"UPDATE incidents SET ({_columns(keys)}) = (SELECT {_columns(keys)} FROM {record}) "
            f"WHERE id = %s RETURNING {_RETURNING}"
        )
    alerts = "json_populate_recordset(NULL::incident_alerts, CAST(%s AS json)) WITH ORDINALITY AS r"
    changed = "json_populate_recordset(NULL::incident_alerts, CAST(%s AS json)) AS r"
    events = "json_populate_recordset(NULL::timeline_events, CAST(%s AS json)) WITH ORDINALITY AS r"
    entry = "json_populate_record(NULL::ingest_ledger, CAST(%s AS json)) AS r"
    episode = "json_populate_record(NULL::incident_episodes, CAST(%s AS json)) AS r"
    # An episode is opened (inserted) or closed (its unset ends set) by the same statement.
    opened = (
        f""",
        episode_opened AS (
            INSERT INTO incident_episodes (incident_id, {_columns(_EPISODE_COLUMNS)})
            SELECT inc.id, {_columns(_EPISODE_COLUMNS, "r.")} FROM inc, {episode}
        )"""
        if episode_opened
        else ""
    )
    closed = (
        f""",
        episode_closed AS (
            UPDATE incident_episodes AS e
            SET mitigated_at = COALESCE(e.mitigated_at, r.mitigated_at),
                resolved_at = COALESCE(e.resolved_at, r.resolved_at)
            FROM inc, {episode}
            WHERE e.incident_id = inc.id AND e.episode = r.episode
            RETURNING e.impact_started_at
        )"""
        if episode_closed
        else ""
    )
    impact = "(SELECT impact_started_at FROM episode_closed)" if episode_closed else "NULL"
    return f"""
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
        ){opened}{closed}
        SELECT inc.*, EXISTS (SELECT 1 FROM entry) AS ledger_inserted,
        {impact} AS impact_started_at FROM inc
        """


def prefer_generic_plans(dbapi_connection: Any, _record: Any) -> None:
    """Plan each prepared statement once per connection (a pool `connect` listener).

    PostgreSQL otherwise re-plans the ingest's statements on every execution: a custom plan is
    kept whenever the generic one looks dearer, and `fingerprint = ANY($n)` or the JSON record
    sets always look dearer. Planning was a quarter of the server's CPU per notification; the
    plans here are index look-ups whatever the parameters are.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    dbapi_connection.commit()


def _json(value: Any) -> str:
    # pydantic-core's encoder: datetimes as ISO 8601, several times faster than json.dumps here.
    return to_json(value).decode()


def apply(connection: Connection, writes: IncidentWrites) -> Applied:
    """Write everything in one statement: the incident row, whether the ledger took it, the impact start."""
    opening = writes.incident_id is None
    opened, closed = writes.episode_opened, writes.episode_closed
    statement = _statement(
        tuple(sorted(writes.incident_values)), opening, opened is not None, closed is not None
    )
    parameters = (
        _json(writes.incident_values),
        *(() if opening else (writes.incident_id,)),
        _json(writes.new_alerts),
        _json(writes.changed_alerts),
        _json(writes.events),
        _json(writes.ledger_values),
        *(() if opened is None else (_json(opened),)),
        *(() if closed is None else (_json(closed),)),
    )
    with _cursor(connection) as cursor:
        try:
            row = cursor.execute(statement, parameters).fetchone()
        except psycopg.IntegrityError as exc:
            # As SQLAlchemy would raise it: the pipeline retries a transaction that lost a race.
            raise IntegrityError(statement, parameters, exc) from exc
    assert row is not None
    impact_started_at = opened["impact_started_at"] if opened is not None else row.impact_started_at
    return Applied(row, bool(row.ledger_inserted), impact_started_at)
