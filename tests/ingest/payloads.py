"""Build Alertmanager webhook v4 notifications for tests (the shape Alertmanager 0.25 sends)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ZERO = "0001-01-01T00:00:00Z"


def alert(
    fingerprint: str,
    *,
    alertname: str = "PlatformApiDown",
    status: str = "firing",
    starts_at: datetime = T0,
    ends_at: datetime | None = None,
    severity: str = "critical",
    service: str = "api",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": alertname, "service": service, "severity": severity, "instance": fingerprint},
        "annotations": annotations
        if annotations is not None
        else {"summary": f"{alertname} on {fingerprint}"},
        "startsAt": starts_at.isoformat().replace("+00:00", "Z"),
        "endsAt": ends_at.isoformat().replace("+00:00", "Z") if ends_at else ZERO,
        "generatorURL": f"http://prometheus:9090/graph?g0.expr={alertname}",
        "fingerprint": fingerprint,
    }


def notification(
    alerts: list[dict[str, Any]], *, group_key: str = '{}:{alertname="PlatformApiDown"}', **extra: Any
) -> dict[str, Any]:
    statuses = {a["status"] for a in alerts}
    body = {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": "firing" if "firing" in statuses else "resolved",
        "receiver": "obs-incidents",
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]} if alerts else {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }
    body.update(extra)
    return body


def resolved(fired: dict[str, Any], ends_at: datetime) -> dict[str, Any]:
    return {**fired, "status": "resolved", "endsAt": ends_at.isoformat().replace("+00:00", "Z")}
