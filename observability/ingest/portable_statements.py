"""The portable write path (SQLite, and any backend): Core statements built once, run on the
session's connection, one per table; plus the ledger and heartbeat statements both paths share.

No per-call statement building and no ORM unit of work, so the hot path costs its round trips and
little else. PostgreSQL uses `postgres_statements` instead: the same rows in one statement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from observability.ingest.rows import (
    INCIDENT_COLUMNS,
    Applied,
    IncidentRow,
    IncidentWrites,
    episodes,
    heartbeats,
    incident_alerts,
    incidents,
    ledger,
    timeline,
)
from observability.store.base import UTCDateTime

# The group's latest incident, locked (FOR NO KEY UPDATE serialises one group's notifications on
# PostgreSQL; SQLite has one writer anyway), joined to the statuses of the alerts named. NO KEY:
# the escalation engine may insert rows referencing the incident meanwhile (FOR UPDATE would
# deadlock it against a resolve that cancels the step it holds).
_LATEST = (
    select(*INCIDENT_COLUMNS)
    .where(incidents.c.group_key == bindparam("group_key"))
    .order_by(incidents.c.id.desc())
    .limit(1)
    .with_for_update(key_share=True)
    .cte("latest")
)
SELECT_LATEST_WITH_KNOWN = select(
    _LATEST,
    incident_alerts.c.fingerprint,
    incident_alerts.c.starts_at,
    incident_alerts.c.status.label("alert_status"),
).select_from(
    _LATEST.outerjoin(
        incident_alerts,
        and_(
            incident_alerts.c.incident_id == _LATEST.c.id,
            incident_alerts.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
        ),
    )
)


def read_latest(
    connection: Connection, group_key: str, fingerprints: list[str]
) -> tuple[IncidentRow | None, dict[tuple[str, datetime], str]]:
    """The group's latest incident (locked) and the statuses of its alerts among `fingerprints`."""
    rows = connection.execute(
        SELECT_LATEST_WITH_KNOWN, {"group_key": group_key, "fingerprints": fingerprints}
    ).all()
    if not rows:
        return None, {}
    known = {
        (row.fingerprint, row.starts_at): row.alert_status for row in rows if row.fingerprint is not None
    }
    return rows[0], known


_INSERT_INCIDENT = incidents.insert().returning(*INCIDENT_COLUMNS)
# Executed with the SET columns as parameters (by their names) plus `b_id`.
_UPDATE_INCIDENT = update(incidents).where(incidents.c.id == bindparam("b_id")).returning(*INCIDENT_COLUMNS)
_INSERT_ALERTS = incident_alerts.insert()
_UPDATE_ALERT = (
    update(incident_alerts)
    .where(
        incident_alerts.c.incident_id == bindparam("b_incident_id"),
        incident_alerts.c.fingerprint == bindparam("b_fingerprint"),
        incident_alerts.c.starts_at == bindparam("b_starts_at"),
    )
    .values(status=bindparam("b_status"), ends_at=bindparam("b_ends_at"), last_seen_at=bindparam("b_now"))
)
_INSERT_EVENTS = timeline.insert()
_INSERT_EPISODE = episodes.insert()
# Only where unset: the first time the episode's alerts all resolved, or it resolved, counts.
_CLOSE_EPISODE = (
    update(episodes)
    .where(episodes.c.incident_id == bindparam("b_incident_id"), episodes.c.episode == bindparam("b_episode"))
    .values(
        mitigated_at=func.coalesce(episodes.c.mitigated_at, bindparam("b_mitigated_at", type_=UTCDateTime())),
        resolved_at=func.coalesce(episodes.c.resolved_at, bindparam("b_resolved_at", type_=UTCDateTime())),
    )
    .returning(episodes.c.impact_started_at)
)
INSERT_LEDGER = {
    name: dialect.insert(ledger)
    .on_conflict_do_nothing(index_elements=[ledger.c.content_hash])
    .returning(ledger.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _upsert_heartbeat(dialect: Any) -> Any:
    insert = dialect.insert(heartbeats)
    return insert.on_conflict_do_update(
        index_elements=[heartbeats.c.name],
        set_={"last_seen_at": insert.excluded.last_seen_at, "receiver": insert.excluded.receiver},
    )


UPSERT_HEARTBEAT = {
    name: _upsert_heartbeat(dialect) for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def insert_ledger(connection: Connection, values: dict[str, Any]) -> bool:
    """Insert the ledger row; False when its content hash is already there (a duplicate)."""
    return connection.execute(INSERT_LEDGER[connection.dialect.name], values).first() is not None


def apply(connection: Connection, writes: IncidentWrites) -> Applied:
    """Write with one statement per table (SQLite, where a statement is a function call)."""
    if writes.incident_id is None:
        incident = connection.execute(_INSERT_INCIDENT, writes.incident_values).one()
    else:
        incident = connection.execute(
            _UPDATE_INCIDENT, {"b_id": writes.incident_id, **writes.incident_values}
        ).one()
    if writes.new_alerts:
        connection.execute(_INSERT_ALERTS, [{**row, "incident_id": incident.id} for row in writes.new_alerts])
    if writes.changed_alerts:
        connection.execute(
            _UPDATE_ALERT,
            [
                {
                    "b_incident_id": incident.id,
                    "b_fingerprint": row["fingerprint"],
                    "b_starts_at": row["starts_at"],
                    "b_status": row["status"],
                    "b_ends_at": row["ends_at"],
                    "b_now": row["last_seen_at"],
                }
                for row in writes.changed_alerts
            ],
        )
    if writes.events:
        connection.execute(_INSERT_EVENTS, [{**row, "incident_id": incident.id} for row in writes.events])
    impact_started_at = None
    if writes.episode_opened is not None:
        connection.execute(_INSERT_EPISODE, {**writes.episode_opened, "incident_id": incident.id})
        impact_started_at = writes.episode_opened["impact_started_at"]
    if writes.episode_closed is not None:
        closed = writes.episode_closed
        impact_started_at = connection.execute(
            _CLOSE_EPISODE,
            {
                "b_incident_id": incident.id,
                "b_episode": closed["episode"],
                "b_mitigated_at": closed["mitigated_at"],
                "b_resolved_at": closed["resolved_at"],
            },
        ).scalar()
    inserted = insert_ledger(connection, {**writes.ledger_values, "incident_id": incident.id})
    return Applied(incident, inserted, impact_started_at)
