"""Learning across incidents: counts, TTA/TTR medians and p90s, noisy and flapping alerts, gaps.

Medians and 90th percentiles, never means: a few long incidents make a mean say little about the
typical one (Google, "Incident Metrics in SRE"). Percentiles interpolate linearly between the
closest ranks (position (n - 1) * q of the sorted values, as numpy's default and Excel's
PERCENTILE.INC), so the median of an even count is the mean of the middle two.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

TOP = 10
PERIOD_PATTERN = r"^([1-9][0-9]{0,3})([hdw])$"
_PERIOD = re.compile(PERIOD_PATTERN)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_period(text: str) -> timedelta:
    """`30d`, `12h`, `2w` -> timedelta (ValueError naming the problem otherwise)."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"since {text!r}: write a period such as 30d, 12h or 2w")
    return int(match[1]) * _UNITS[match[2]]


@dataclass(frozen=True)
class ReportIncident:
    """What the report needs of one incident."""

    id: int
    title: str
    service: str
    severity: str
    alertnames: tuple[str, ...]
    opened_at: datetime
    flapping: bool
    reopen_count: int
    runbook_missing: bool
    acknowledged: bool
    reviewed: bool
    pages: int  # pages sent by escalation steps
    tta: tuple[timedelta, ...] = ()  # one per episode that was paged and acknowledged
    ttr: tuple[timedelta, ...] = ()  # one per resolved episode


@dataclass(frozen=True)
class Spread:
    """Median and p90 of some durations, and how many there were."""

    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    incidents: int
    per_service: tuple[tuple[str, int], ...]
    per_alert: tuple[tuple[str, int], ...]
    tta: Spread
    ttr: Spread
    by_severity: tuple[tuple[str, Spread, Spread], ...]  # (severity, TTA, TTR)
    most_paging: tuple[tuple[str, int, int], ...]  # (alert, pages, incidents paged)
    flapping: tuple[tuple[str, int, int], ...]  # (alert, flapping incidents, reopens)
    without_runbook: tuple[ReportIncident, ...]
    unreviewed: tuple[ReportIncident, ...] = field(default=())  # acknowledged, with no review


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(durations: Sequence[timedelta]) -> Spread:
    seconds = [d.total_seconds() for d in durations]
    median, p90 = percentile(seconds, 0.5), percentile(seconds, 0.9)
    return Spread(
        count=len(seconds),
        median=timedelta(seconds=median) if median is not None else None,
        p90=timedelta(seconds=p90) if p90 is not None else None,
    )


def _ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def build_report(incidents: Sequence[ReportIncident], *, since: datetime, until: datetime) -> Report:
    """The report over incidents opened in [since, until]."""
    chosen = [i for i in incidents if since <= i.opened_at <= until]
    per_alert: Counter[str] = Counter(name for i in chosen for name in set(i.alertnames) if name)
    pages: Counter[str] = Counter()
    paged: Counter[str] = Counter()
    flapping: Counter[str] = Counter()
    reopens: Counter[str] = Counter()
    for incident in chosen:
        for name in set(incident.alertnames):
            if incident.pages:
                pages[name] += incident.pages
                paged[name] += 1
            if incident.flapping:
                flapping[name] += 1
                reopens[name] += incident.reopen_count
    severities = sorted({i.severity for i in chosen})
    return Report(
        since=since,
        until=until,
        incidents=len(chosen),
        per_service=_ranked(Counter(i.service or "(none)" for i in chosen)),
        per_alert=_ranked(per_alert),
        tta=spread([d for i in chosen for d in i.tta]),
        ttr=spread([d for i in chosen for d in i.ttr]),
        by_severity=tuple(
            (
                severity or "(none)",
                spread([d for i in chosen if i.severity == severity for d in i.tta]),
                spread([d for i in chosen if i.severity == severity for d in i.ttr]),
            )
            for severity in severities
        ),
        most_paging=tuple((name, count, paged[name]) for name, count in _ranked(pages)[:TOP]),
        flapping=tuple((name, count, reopens[name]) for name, count in _ranked(flapping)),
        without_runbook=tuple(i for i in chosen if i.runbook_missing),
        unreviewed=tuple(i for i in chosen if i.acknowledged and not i.reviewed),
    )
