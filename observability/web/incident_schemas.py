"""Response and request bodies of the incident REST API (they make the OpenAPI at /docs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

from observability.incidents.durations import DEFINITIONS, Durations, durations

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]

NOTE_MAX_CHARS = 10_000
FILTER_MAX_CHARS = 200


# PostgreSQL text cannot hold NUL: refuse it up front (422), and say so in the OpenAPI schema.
CleanText = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]

# Query parameters shared by the list endpoints (bounded so no backend overflows: 422, not 500).
TextFilter = Annotated[CleanText | None, Query(max_length=FILTER_MAX_CHARS)]
PageLimit = Annotated[int, Query(ge=1, le=500, description="items per page")]
PageOffset = Annotated[int, Query(ge=0, le=1_000_000_000, description="items to skip")]


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IncidentSummary(Orm):
    """An incident without its children."""

    id: int
    group_key: str
    status: IncidentStatus
    title: str
    service: str
    severity: str
    flapping: bool
    reopen_count: int
    firing_alerts: int
    truncated_alerts: int
    runbook_missing: bool
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None


class AlertOut(Orm):
    """One alert occurrence of an incident (fingerprint + startsAt)."""

    fingerprint: str
    status: str
    alertname: str
    severity: str
    summary: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    runbook_url: str
    runbook_page: str = Field("", description="this service's own page of the alert's runbook, if any")
    dashboard_url: str
    generator_url: str
    runbook_missing: bool
    first_seen_at: datetime
    last_seen_at: datetime


class TimelineEventOut(Orm):
    """An entry of an incident's append-only timeline."""

    id: int
    at: datetime
    kind: str
    actor: str
    message: str
    data: dict[str, Any]


class EpisodeOut(Orm):
    """One opening of the incident (1, then one more per reopen): its timestamps and durations.

    Durations are in seconds, null while their end (or, for TTA, the first page) has not happened.
    """

    episode: int
    impact_started_at: datetime
    detected_at: datetime
    first_paged_at: datetime | None
    first_acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None

    def _durations(self) -> Durations:
        return durations(self)

    @computed_field(description=DEFINITIONS["ttd"])  # type: ignore[prop-decorator]
    @property
    def ttd_seconds(self) -> float:
        return self._durations().ttd.total_seconds()

    @computed_field(description=DEFINITIONS["tta"])  # type: ignore[prop-decorator]
    @property
    def tta_seconds(self) -> float | None:
        return _seconds(self._durations().tta)

    @computed_field(description=DEFINITIONS["ttm"])  # type: ignore[prop-decorator]
    @property
    def ttm_seconds(self) -> float | None:
        return _seconds(self._durations().ttm)

    @computed_field(description=DEFINITIONS["ttr"])  # type: ignore[prop-decorator]
    @property
    def ttr_seconds(self) -> float | None:
        return _seconds(self._durations().ttr)


def _seconds(duration: timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds()


class IncidentLinks(BaseModel):
    runbook_pages: list[str] = Field([], description="this service's own pages of the alerts' runbooks")
    runbooks: list[str]
    dashboards: list[str]
    generators: list[str]


class IncidentDetail(IncidentSummary):
    """An incident with its alerts, links, timeline and episodes (its openings, oldest first)."""

    receiver: str
    group_labels: dict[str, str]
    links: IncidentLinks
    alerts: list[AlertOut]
    timeline: list[TimelineEventOut]
    episodes: list[EpisodeOut] = Field(
        description="each opening's timestamps and TTD/TTA/TTM/TTR (an incident from before "
        "migration 0004 has the one episode the migration made of it)"
    )


class IncidentPage(BaseModel):
    """One page of incidents, newest first, and how many match the filters in all."""

    items: list[IncidentSummary]
    total: int
    limit: int
    offset: int


class NoteIn(BaseModel):
    """A note to add to an incident's timeline (stored as given, escaped wherever shown)."""

    model_config = ConfigDict(extra="forbid")

    text: CleanText = Field(min_length=1, max_length=NOTE_MAX_CHARS)


class AuditEntryOut(Orm):
    """One audited mutation."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class Problem(BaseModel):
    """An error: `detail` says what is wrong."""

    detail: str
