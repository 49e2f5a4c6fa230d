"""The rows one notification writes (`IncidentWrites`), the tables they go to, and the two write
paths' common shape: `portable_statements` (Core, any backend) and `postgres_statements` (JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Row, Table

from observability.store.base import normalise_row, utc_columns
from observability.store.models import (
    Heartbeat,
    Incident,
    IncidentAlert,
    IncidentEpisode,
    IngestLedgerEntry,
    TimelineEvent,
)

incidents = cast(Table, Incident.__table__)
incident_alerts = cast(Table, IncidentAlert.__table__)
timeline = cast(Table, TimelineEvent.__table__)
ledger = cast(Table, IngestLedgerEntry.__table__)
heartbeats = cast(Table, Heartbeat.__table__)
episodes = cast(Table, IncidentEpisode.__table__)

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

_UTC = {table.name: utc_columns(table) for table in (incidents, incident_alerts, timeline, ledger, episodes)}


@dataclass
class IncidentWrites:
    """Everything one notification changes; `incident_id` is None when it opens an incident.

    `episode_opened` is the episode row an open or reopen inserts; `episode_closed` the latest
    episode's `mitigated_at`/`resolved_at` to set where still unset (with its `episode` number).
    """

    incident_id: int | None
    incident_values: dict[str, Any]
    new_alerts: list[dict[str, Any]]
    changed_alerts: list[dict[str, Any]]
    events: list[dict[str, Any]]
    ledger_values: dict[str, Any] = field(default_factory=dict)
    episode_opened: dict[str, Any] | None = None
    episode_closed: dict[str, Any] | None = None

    def normalised(self) -> IncidentWrites:
        """The same writes with every datetime aware UTC (`normalise_row`), whichever path writes them."""
        return IncidentWrites(
            incident_id=self.incident_id,
            incident_values=normalise_row(self.incident_values, _UTC[incidents.name]),
            new_alerts=[normalise_row(row, _UTC[incident_alerts.name]) for row in self.new_alerts],
            changed_alerts=[normalise_row(row, _UTC[incident_alerts.name]) for row in self.changed_alerts],
            events=[normalise_row(row, _UTC[timeline.name]) for row in self.events],
            ledger_values=normalise_row(self.ledger_values, _UTC[ledger.name]),
            episode_opened=_normalised(self.episode_opened, episodes),
            episode_closed=_normalised(self.episode_closed, episodes),
        )


def _normalised(row: dict[str, Any] | None, table: Table) -> dict[str, Any] | None:
    return None if row is None else normalise_row(row, _UTC[table.name])


@dataclass(frozen=True)
class Applied:
    """What writing a notification's rows returned."""

    incident: IncidentRow
    ledger_inserted: bool  # False: the content was already in the ledger (a duplicate)
    impact_started_at: datetime | None  # of the episode the writes opened or closed


class WritePath(Protocol):
    """How one backend reads the group's incident and writes a notification's rows."""

    def read_latest(
        self, connection: Connection, group_key: str, fingerprints: list[str]
    ) -> tuple[IncidentRow | None, Known]:
        """The group's latest incident (locked) and the statuses of its alerts among `fingerprints`."""
        ...

    def apply(self, connection: Connection, writes: IncidentWrites) -> Applied:
        """Write `writes` (normalised): the incident row, whether the ledger took it, the impact start."""
        ...
