"""The rows one notification writes (`IncidentWrites`), the tables they go to, and the two write
paths' common shape: `portable_statements` (Core, any backend) and `postgres_statements` (JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Row, Table

from observability.store.base import normalise_row, utc_columns
from observability.store.models import Heartbeat, Incident, IncidentAlert, IngestLedgerEntry, TimelineEvent

incidents = cast(Table, Incident.__table__)
incident_alerts = cast(Table, IncidentAlert.__table__)
timeline = cast(Table, TimelineEvent.__table__)
ledger = cast(Table, IngestLedgerEntry.__table__)
heartbeats = cast(Table, Heartbeat.__table__)

# What the lifecycle reads of the group's latest incident (and what writes return of it).
INCIDENT_COLUMNS = (
    incidents.c.id,
    incidents.c.status,
    incidents.c.resolved_at,
    incidents.c.firing_alerts,
    incidents.c.severity,
    incidents.c.service,
    incidents.c.runbook_missing,
    incidents.c.opened_at,
    incidents.c.reopen_count,
)
IncidentRow = Row[*tuple[Any, ...]]
Known = dict[tuple[str, datetime], str]

_UTC = {table.name: utc_columns(table) for table in (incidents, incident_alerts, timeline, ledger)}


@dataclass
class IncidentWrites:
    """Everything one notification changes; `incident_id` is None when it opens an incident."""

    incident_id: int | None
    incident_values: dict[str, Any]
    new_alerts: list[dict[str, Any]]
    changed_alerts: list[dict[str, Any]]
    events: list[dict[str, Any]]
    ledger_values: dict[str, Any] = field(default_factory=dict)

    def normalised(self) -> IncidentWrites:
        """The same writes with every datetime aware UTC (`normalise_row`), whichever path writes them."""
        return IncidentWrites(
            incident_id=self.incident_id,
            incident_values=normalise_row(self.incident_values, _UTC[incidents.name]),
            new_alerts=[normalise_row(row, _UTC[incident_alerts.name]) for row in self.new_alerts],
            changed_alerts=[normalise_row(row, _UTC[incident_alerts.name]) for row in self.changed_alerts],
            events=[normalise_row(row, _UTC[timeline.name]) for row in self.events],
            ledger_values=normalise_row(self.ledger_values, _UTC[ledger.name]),
        )


class WritePath(Protocol):
    """How one backend reads the group's incident and writes a notification's rows."""

    def read_latest(
        self, connection: Connection, group_key: str, fingerprints: list[str]
    ) -> tuple[IncidentRow | None, Known]:
        """The group's latest incident (locked) and the statuses of its alerts among `fingerprints`."""
        ...

    def apply(self, connection: Connection, writes: IncidentWrites) -> tuple[IncidentRow, bool]:
        """Write `writes` (normalised); the incident row and whether the ledger took the entry."""
        ...
