"""The timestamps an incident episode starts and ends with, from its alerts (pure).

An episode is one opening of an incident: the first, then one per reopen. Its impact started
when the earliest of its firing alerts started, minus the `for` of that alert's rule (Prometheus
held the alert pending that long before it fired); it was mitigated when its last alert resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from observability.incidents.alert_facts import ALERTNAME
from observability.incidents.payload import FIRING, RESOLVED, AlertmanagerAlert

# Alert name -> the rule's `for` (the shortest, when several rules share the name).
RuleFor = Mapping[str, timedelta]


def impact_started_at(
    alerts: Iterable[AlertmanagerAlert], rule_for: RuleFor, detected_at: datetime
) -> datetime:
    """The earliest firing alert's start minus its rule's `for`; never after `detected_at`."""
    starts = [
        before(alert.startsAt, rule_for.get(alert.labels.get(ALERTNAME, ""), timedelta(0)))
        for alert in alerts
        if alert.status == FIRING
    ]
    return min([*starts, detected_at])


def before(moment: datetime, span: timedelta) -> datetime:
    """`moment - span`, or the earliest datetime when that is before year 1 (an alert may say it
    started at 0001-01-01; every window drawn back from it must still be a date)."""
    try:
        return moment - span
    except OverflowError:
        return datetime.min.replace(tzinfo=moment.tzinfo)


def mitigated_at(alerts: Iterable[AlertmanagerAlert], now: datetime) -> datetime:
    """When the last of the resolved `alerts` ended (their endsAt), never after `now`."""
    ends = [alert.ended_at for alert in alerts if alert.status == RESOLVED and alert.ended_at is not None]
    return min(max(ends, default=now), now)
