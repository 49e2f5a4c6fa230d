"""The incident lifecycle as pure functions of (incident state, notification, now).

States: triggered -> acknowledged -> resolved. A notification opens an incident for a group with
none, updates the open one, reopens a recently resolved one (flapping) or opens a new one when the
last was resolved longer ago than the reopen window. A notification that changes no alert's state
(Alertmanager's repeat) is a repeat: no event, nothing written but the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from observability.incidents.alert_facts import ALERTNAME
from observability.incidents.payload import FIRING, RESOLVED, AlertmanagerAlert

TRIGGERED = "triggered"
ACKNOWLEDGED = "acknowledged"
INCIDENT_RESOLVED = RESOLVED

# Timeline event kinds.
OPENED = "opened"
ALERT_FIRED = "alert_fired"
ALERT_RESOLVED = "alert_resolved"
ACKNOWLEDGED_EVENT = "acknowledged"
NOTE = "note"
ESCALATED = "escalated"
NOTIFIED = "notified"
RESOLVED_EVENT = "resolved"
REOPENED = "reopened"
SEVERITY_CHANGED = "severity_changed"
EVENT_KINDS = (
    OPENED,
    ALERT_FIRED,
    ALERT_RESOLVED,
    ACKNOWLEDGED_EVENT,
    NOTE,
    ESCALATED,
    NOTIFIED,
    RESOLVED_EVENT,
    REOPENED,
    SEVERITY_CHANGED,
)

# What a plan does with the group's incident.
OPEN = "open"
REOPEN = "reopen"
UPDATE = "update"
REPEAT = "repeat"
IGNORE = "ignore"

AlertKey = tuple[str, datetime]
# How many alerts an event message names before it says "and N more".
NAMED_IN_MESSAGE = 5


@dataclass(frozen=True)
class IncidentSnapshot:
    """What the lifecycle needs of the group's latest incident.

    `known` holds the status of the incident's alert occurrences that the notification names.
    """

    status: str
    resolved_at: datetime | None
    firing_alerts: int
    known: Mapping[AlertKey, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EventDraft:
    """A timeline event to append."""

    kind: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestPlan:
    """The changes one notification makes to its group's incident."""

    action: str
    new_alerts: tuple[AlertmanagerAlert, ...] = ()
    changed_alerts: tuple[AlertmanagerAlert, ...] = ()
    firing_alerts: int = 0
    status: str = ""
    events: tuple[EventDraft, ...] = ()


def plan_notification(
    current: IncidentSnapshot | None,
    alerts: Sequence[AlertmanagerAlert],
    *,
    now: datetime,
    reopen_window: timedelta,
) -> IngestPlan:
    """Decide what a notification with `alerts` does to the group's latest incident `current`."""
    alerts = _latest_per_occurrence(alerts)
    if current is not None and not _expired(current, now, reopen_window):
        return _plan_existing(current, alerts, now)
    if current is not None:
        stale = _plan_existing(current, alerts, now)
        if stale.action in (REPEAT, UPDATE):
            # Nothing fires anew: a late resolve or repeat belongs to the old incident.
            return stale
    return _plan_open(alerts)


def _expired(current: IncidentSnapshot, now: datetime, reopen_window: timedelta) -> bool:
    return (
        current.status == INCIDENT_RESOLVED
        and current.resolved_at is not None
        and now - current.resolved_at > reopen_window
    )


def _plan_open(alerts: Sequence[AlertmanagerAlert]) -> IngestPlan:
    fired = [alert for alert in alerts if alert.status == FIRING]
    if not fired:
        return IngestPlan(action=IGNORE)
    resolved = [alert for alert in alerts if alert.status == RESOLVED]
    events = [EventDraft(OPENED, f"opened by {_describe(fired)} firing")]
    events += _alert_events(fired, resolved)
    return IngestPlan(
        action=OPEN,
        new_alerts=tuple(alerts),
        firing_alerts=len(fired),
        status=TRIGGERED,
        events=tuple(events),
    )


def _plan_existing(
    current: IncidentSnapshot, alerts: Sequence[AlertmanagerAlert], now: datetime
) -> IngestPlan:
    new = [alert for alert in alerts if alert.key not in current.known]
    changed = [
        alert for alert in alerts if alert.key in current.known and current.known[alert.key] != alert.status
    ]
    if not new and not changed:
        return IngestPlan(action=REPEAT, firing_alerts=current.firing_alerts, status=current.status)
    fired = [alert for alert in (*new, *changed) if alert.status == FIRING]
    resolved = [alert for alert in (*new, *changed) if alert.status == RESOLVED]
    stopped = sum(1 for alert in changed if alert.status == RESOLVED)
    firing_after = max(0, current.firing_alerts + len(fired) - stopped)
    action, status, events = UPDATE, current.status, []
    if current.status == INCIDENT_RESOLVED and fired:
        action, status = REOPEN, TRIGGERED
        since = (
            f" {int((now - current.resolved_at).total_seconds())}s after it resolved"
            if current.resolved_at
            else ""
        )
        events.append(EventDraft(REOPENED, f"reopened: fired again{since} (flapping)"))
    events += _alert_events(fired, resolved)
    if status != INCIDENT_RESOLVED and firing_after == 0:
        status = INCIDENT_RESOLVED
        events.append(EventDraft(RESOLVED_EVENT, "resolved automatically: every alert resolved"))
    return IngestPlan(
        action=action,
        new_alerts=tuple(new),
        changed_alerts=tuple(changed),
        firing_alerts=firing_after,
        status=status,
        events=tuple(events),
    )


def _alert_events(
    fired: Sequence[AlertmanagerAlert], resolved: Sequence[AlertmanagerAlert]
) -> list[EventDraft]:
    events = []
    if fired:
        events.append(EventDraft(ALERT_FIRED, f"{_describe(fired)} fired", _alert_data(fired)))
    if resolved:
        events.append(EventDraft(ALERT_RESOLVED, f"{_describe(resolved)} resolved", _alert_data(resolved)))
    return events


def _describe(alerts: Sequence[AlertmanagerAlert]) -> str:
    named = [alert.labels.get(ALERTNAME, alert.fingerprint) for alert in alerts[:NAMED_IN_MESSAGE]]
    more = f" and {len(alerts) - NAMED_IN_MESSAGE} more" if len(alerts) > NAMED_IN_MESSAGE else ""
    noun = "alert" if len(alerts) == 1 else "alerts"
    return f"{len(alerts)} {noun} ({', '.join(named)}{more})"


def _alert_data(alerts: Sequence[AlertmanagerAlert]) -> dict[str, Any]:
    return {
        "alerts": [
            {
                "fingerprint": alert.fingerprint,
                "alertname": alert.labels.get(ALERTNAME, ""),
                "starts_at": alert.startsAt.isoformat(),
            }
            for alert in alerts
        ]
    }


def _latest_per_occurrence(alerts: Sequence[AlertmanagerAlert]) -> list[AlertmanagerAlert]:
    """One alert per (fingerprint, startsAt); a later entry in the list wins."""
    by_key: dict[AlertKey, AlertmanagerAlert] = {}
    for alert in alerts:
        by_key[alert.key] = alert
    return list(by_key.values())


def next_status(incident_id: int, status: str, action: str) -> str:
    """The status after a person's `action` ("acknowledge" or "resolve"), or InvalidTransition."""
    from observability.incidents.errors import InvalidTransition

    if action == "acknowledge" and status == TRIGGERED:
        return ACKNOWLEDGED
    if action == "resolve" and status in (TRIGGERED, ACKNOWLEDGED):
        return INCIDENT_RESOLVED
    raise InvalidTransition(incident_id, status, action)
