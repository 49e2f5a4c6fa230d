"""A fixed incident as plain records (what the draft reads of the store), for pure and golden tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 3, 2, 8, 55, tzinfo=UTC)
EXPR = (
    'sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) '
    '/ sum(rate(http_requests_total{job="api"}[5m])) > 0.05'
)
GENERATOR = "http://prometheus.example:9090/graph?g0.expr=" + (
    "sum%28rate%28http_requests_total%7Bjob%3D%22api%22%2Ccode%3D~%225..%22%7D%5B5m%5D%29%29+%2F+"
    "sum%28rate%28http_requests_total%7Bjob%3D%22api%22%7D%5B5m%5D%29%29+%3E+0.05&g0.tab=1"
)


@dataclass
class IncidentRecord:
    id: int = 42
    title: str = "API answers with 5xx errors"
    service: str = "api"
    severity: str = "critical"
    status: str = "resolved"
    flapping: bool = False
    reopen_count: int = 0
    runbook_missing: bool = False
    opened_at: datetime = T0 + timedelta(minutes=5)
    acknowledged_at: datetime | None = T0 + timedelta(minutes=9, seconds=30)
    acknowledged_by: str | None = "anna"
    resolved_at: datetime | None = T0 + timedelta(minutes=41, seconds=7)
    resolved_by: str | None = "alertmanager"


@dataclass
class EpisodeRecord:
    impact_started_at: datetime = T0
    detected_at: datetime = T0 + timedelta(minutes=5, seconds=2)
    first_paged_at: datetime | None = T0 + timedelta(minutes=5, seconds=3)
    first_acknowledged_at: datetime | None = T0 + timedelta(minutes=9, seconds=30)
    mitigated_at: datetime | None = T0 + timedelta(minutes=41, seconds=7)
    resolved_at: datetime | None = T0 + timedelta(minutes=41, seconds=7)


@dataclass
class AlertRecord:
    alertname: str = "PlatformApiHighErrorRatio"
    severity: str = "critical"
    status: str = "resolved"
    summary: str = "More than 5% of API requests fail"
    starts_at: datetime = T0 + timedelta(minutes=5)
    ends_at: datetime | None = T0 + timedelta(minutes=41, seconds=7)
    labels: dict[str, str] = field(
        default_factory=lambda: {
            "alertname": "PlatformApiHighErrorRatio",
            "service": "api",
            "severity": "critical",
            "team": "platform",
        }
    )
    annotations: dict[str, str] = field(
        default_factory=lambda: {
            "summary": "More than 5% of API requests fail",
            "runbook_url": "http://127.0.0.1:8080/runbooks/api-errors",
        }
    )
    runbook_url: str = "http://127.0.0.1:8080/runbooks/api-errors"
    dashboard_url: str = "http://127.0.0.1:3000/d/obs-api"
    generator_url: str = GENERATOR


@dataclass
class EventRecord:
    id: int
    at: datetime
    kind: str
    actor: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


def fixed_timeline() -> list[EventRecord]:
    """The incident's events, stored out of time order on purpose (ids say the storing order)."""
    page = {"pages": [{"target": "rotation:platform-primary", "person": "dmitri", "address": "U01DMITRI"}]}
    step = {"policy": "platform-critical", "round": 0, "cycle": 0, "step": 0, **page}
    return [
        EventRecord(1, T0 + timedelta(minutes=5, seconds=2), "opened", "alertmanager", "opened by 1 alert"),
        EventRecord(2, T0 + timedelta(minutes=5, seconds=2), "alert_fired", "alertmanager", "1 alert fired"),
        EventRecord(3, T0 + timedelta(minutes=5, seconds=3), "escalated", "escalation", "paged Dmitri", step),
        EventRecord(5, T0 + timedelta(minutes=9, seconds=30), "acknowledged", "anna", "acknowledged by anna"),
        EventRecord(4, T0 + timedelta(minutes=8), "note", "slack:U01ANNA", "looking at the deploy"),
        EventRecord(
            6, T0 + timedelta(minutes=41, seconds=7), "alert_resolved", "alertmanager", "1 alert resolved"
        ),
        EventRecord(
            7, T0 + timedelta(minutes=41, seconds=7), "resolved", "alertmanager", "resolved automatically"
        ),
    ]


PEOPLE = {"dmitri": "Dmitri Ivanov", "anna": "Anna Schmidt"}
NOW = T0 + timedelta(hours=2)
