"""Incident tables: incidents, their alerts, the timeline, the ingest ledger and heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from observability.store.base import Base, UTCDateTime

# Incident statuses (the lifecycle in observability.incidents.lifecycle moves between them).
TRIGGERED = "triggered"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
INCIDENT_STATUSES = (TRIGGERED, ACKNOWLEDGED, RESOLVED)

# One open incident per alert group, enforced by the database so racing first notifications
# cannot both open one (the loser's insert fails and its transaction is retried).
OPEN_INCIDENT_WHERE = text(f"status != '{RESOLVED}'")


class Incident(Base):
    """One alert group's incident; `firing_alerts` counts children still firing."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index(
            "uq_incidents_open_group_key",
            "group_key",
            unique=True,
            sqlite_where=OPEN_INCIDENT_WHERE,
            postgresql_where=OPEN_INCIDENT_WHERE,
        ),
        Index("ix_incidents_group_key_id", "group_key", "id"),
        Index("ix_incidents_status", "status"),
        # The incident list: last active first, alone or within one filter (migration 0006).
        Index("ix_incidents_updated_at_id", "updated_at", "id"),
        Index("ix_incidents_status_updated_at", "status", "updated_at", "id"),
        Index("ix_incidents_service_updated_at", "service", "updated_at", "id"),
        Index("ix_incidents_severity_updated_at", "severity", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    service: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(Text, default="")
    receiver: Mapped[str] = mapped_column(Text, default="")
    group_labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    firing_alerts: Mapped[int] = mapped_column(Integer, default=0)
    truncated_alerts: Mapped[int] = mapped_column(Integer, default=0)
    runbook_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(Text, nullable=True)

    alerts: Mapped[list[IncidentAlert]] = relationship(
        back_populates="incident", order_by="IncidentAlert.id", lazy="raise_on_sql"
    )
    timeline: Mapped[list[TimelineEvent]] = relationship(
        back_populates="incident", order_by="TimelineEvent.id", lazy="raise_on_sql"
    )
    episodes: Mapped[list[IncidentEpisode]] = relationship(
        back_populates="incident", order_by="IncidentEpisode.episode", lazy="raise_on_sql"
    )

    @property
    def links(self) -> dict[str, list[str]]:
        """Runbook, dashboard and generator links of the children (needs `alerts` loaded)."""
        found: dict[str, list[str]] = {"runbooks": [], "dashboards": [], "generators": []}
        for alert in self.alerts:
            for kind, url in (
                ("runbooks", alert.runbook_url),
                ("dashboards", alert.dashboard_url),
                ("generators", alert.generator_url),
            ):
                if url and url not in found[kind]:
                    found[kind].append(url)
        return found


class IncidentEpisode(Base):
    """One opening of an incident (the first, then one per reopen) and its measured timestamps.

    impact start: earliest alert `startsAt` minus the rule's `for` when the catalog knows the rule;
    detected: the first notification received; mitigated: the last alert resolved. The durations
    (TTA, TTR, ...) are computed from these by `observability.incidents.durations`.
    """

    __tablename__ = "incident_episodes"
    __table_args__ = (UniqueConstraint("incident_id", "episode", name="uq_incident_episodes_incident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    episode: Mapped[int] = mapped_column(Integer)
    impact_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_paged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    incident: Mapped[Incident] = relationship(back_populates="episodes", lazy="raise_on_sql")


class IncidentAlert(Base):
    """One alert occurrence (fingerprint + startsAt) inside an incident."""

    __tablename__ = "incident_alerts"
    __table_args__ = (
        UniqueConstraint("incident_id", "fingerprint", "starts_at", name="uq_incident_alerts_occurrence"),
        Index("ix_incident_alerts_fingerprint", "fingerprint"),
        # Runbook pages look incidents up by their alerts' names (migration 0008).
        Index("ix_incident_alerts_alertname", "alertname", "incident_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    alertname: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    runbook_url: Mapped[str] = mapped_column(Text, default="")
    dashboard_url: Mapped[str] = mapped_column(Text, default="")
    generator_url: Mapped[str] = mapped_column(Text, default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(back_populates="alerts", lazy="raise_on_sql")

    @property
    def runbook_missing(self) -> bool:
        return not self.runbook_url


class TimelineEvent(Base):
    """An append-only record of something that happened to an incident, and who did it."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_events_incident_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="timeline", lazy="raise_on_sql")


class IngestLedgerEntry(Base):
    """One distinct webhook notification, keyed by the hash of its canonical content."""

    __tablename__ = "ingest_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    group_key: Mapped[str] = mapped_column(Text)
    receiver: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    alert_count: Mapped[int] = mapped_column(Integer)
    truncated_alerts: Mapped[int] = mapped_column(Integer, default=0)
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(32), default="")


class Heartbeat(Base):
    """The last time a heartbeat alert (the Watchdog) arrived; the dead-man's switch reads it."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    receiver: Mapped[str] = mapped_column(Text, default="")
