"""What Alertmanager holds for a runbook's alerts (`GET /api/v2/alerts`), silenced and inhibited included.

A runbook page must never fail because Alertmanager does: a short timeout, and any error becomes
an `AlertmanagerView` with `unreachable` saying why, which the page shows as a note.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

FETCH_TIMEOUT_SECONDS = 2.0
# Labels shown beside each alert; the rest are in Alertmanager itself.
SHOWN_LABELS = ("severity", "service", "instance", "job")


@dataclass(frozen=True)
class HeldAlert:
    """One alert as Alertmanager holds it: `state` is active, suppressed or unprocessed."""

    alertname: str
    state: str
    starts_at: datetime | None
    labels: dict[str, str]
    summary: str
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    generator_url: str = ""

    @property
    def shown_labels(self) -> list[tuple[str, str]]:
        return [(name, self.labels[name]) for name in SHOWN_LABELS if name in self.labels]


@dataclass(frozen=True)
class AlertmanagerView:
    """The alerts, or why there are none to show (`unreachable` non-empty)."""

    url: str
    alerts: list[HeldAlert] = field(default_factory=list)
    unreachable: str = ""


QueryParam = tuple[str, str | int | float | bool | None]


def alerts_filter(alertnames: Collection[str]) -> list[QueryParam]:
    """Query parameters: one regex matcher on alertname, every state (silenced and inhibited too)."""
    names = "|".join(re.escape(name) for name in sorted(alertnames))
    return [
        ("filter", f'alertname=~"^(?:{names})$"'),
        ("active", "true"),
        ("silenced", "true"),
        ("inhibited", "true"),
        ("unprocessed", "true"),
    ]


def held_alerts(listed: object, alertnames: Collection[str]) -> list[HeldAlert]:
    """Alertmanager's JSON list as HeldAlerts of `alertnames` (firing first, then by start); junk skipped."""
    alerts = []
    for item in listed if isinstance(listed, list) else []:
        alert = _held_alert(item)
        if alert is not None and alert.alertname in alertnames:
            alerts.append(alert)
    order = {"active": 0, "unprocessed": 1, "suppressed": 2}
    return sorted(
        alerts,
        key=lambda a: (order.get(a.state, 3), a.alertname, a.starts_at or datetime.min.replace(tzinfo=UTC)),
    )


def _held_alert(item: Any) -> HeldAlert | None:
    if not isinstance(item, dict):
        return None
    labels = item.get("labels")
    state = item.get("status")
    if not isinstance(labels, dict) or not isinstance(state, dict):
        return None
    annotations = item.get("annotations")
    if not isinstance(annotations, dict):
        annotations = {}
    return HeldAlert(
        alertname=str(labels.get("alertname", "")),
        state=str(state.get("state", "")),
        starts_at=_time(item.get("startsAt")),
        labels={str(key): str(value) for key, value in labels.items()},
        summary=str(annotations.get("summary", "")),
        silenced_by=tuple(str(s) for s in state.get("silencedBy") or ()),
        inhibited_by=tuple(str(s) for s in state.get("inhibitedBy") or ()),
        generator_url=str(item.get("generatorURL", "")),
    )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def fetch_held_alerts(
    base_url: str, alertnames: Collection[str], *, timeout: float = FETCH_TIMEOUT_SECONDS
) -> AlertmanagerView:
    """Ask Alertmanager at `base_url`; unreachable, slow or nonsensical answers become a note."""
    url = base_url.rstrip("/") + "/api/v2/alerts"
    if not alertnames:
        return AlertmanagerView(base_url)
    try:
        response = httpx.get(url, params=alerts_filter(alertnames), timeout=timeout)
        response.raise_for_status()
        listed = response.json()
    except httpx.TimeoutException:
        return AlertmanagerView(base_url, unreachable=f"no answer within {timeout:g} s")
    except httpx.HTTPStatusError as exc:
        return AlertmanagerView(base_url, unreachable=f"it answered HTTP {exc.response.status_code}")
    except httpx.HTTPError as exc:
        return AlertmanagerView(base_url, unreachable=str(exc) or type(exc).__name__)
    except ValueError:
        return AlertmanagerView(base_url, unreachable="its answer is not JSON")
    if not isinstance(listed, list):
        return AlertmanagerView(base_url, unreachable="its answer is not a list of alerts")
    return AlertmanagerView(base_url, held_alerts(listed, alertnames))
