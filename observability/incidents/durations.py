"""The durations of an incident episode, each defined once (the README and reviews quote these).

- TTD, time to detect: detected - impact start;
- TTA, time to acknowledge: first acknowledgement - first page;
- TTM, time to mitigate: mitigated (last alert resolved) - impact start;
- TTR, time to resolve: resolved - impact start.

Each is None while its end (or, for TTA, the page) has not happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

DEFINITIONS = {
    "ttd": "time to detect: first notification received minus impact start",
    "tta": "time to acknowledge: first acknowledgement minus first page",
    "ttm": "time to mitigate: last alert resolved minus impact start",
    "ttr": "time to resolve: incident resolved minus impact start",
}


class EpisodeTimes(Protocol):
    """What the durations read of an episode (an ORM IncidentEpisode or a plain record)."""

    impact_started_at: datetime
    detected_at: datetime
    first_paged_at: datetime | None
    first_acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class Durations:
    ttd: timedelta
    tta: timedelta | None
    ttm: timedelta | None
    ttr: timedelta | None


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    return None if start is None or end is None else end - start


def durations(episode: EpisodeTimes) -> Durations:
    """TTD, TTA, TTM and TTR of one episode."""
    return Durations(
        ttd=episode.detected_at - episode.impact_started_at,
        tta=_between(episode.first_paged_at, episode.first_acknowledged_at),
        ttm=_between(episode.impact_started_at, episode.mitigated_at),
        ttr=_between(episode.impact_started_at, episode.resolved_at),
    )
