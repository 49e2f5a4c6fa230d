"""Generator profiles: where links point, and how time is compressed for live tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from observability.ascode.links import DEFAULT_GRAFANA_URL, DEFAULT_PUBLIC_URL, Links

from .durations import DURATION_PATTERN, format_duration, parse_duration

# A range selector `[5m]` or the range of a subquery `[1h:` in PromQL.
_RANGE = re.compile(r"\[(" + DURATION_PATTERN + r")(?=[\]:])")
DEFAULT_RUNBOOK_BASE_URL = f"{DEFAULT_PUBLIC_URL}/runbooks"


@dataclass(frozen=True)
class Profile:
    """How rules are rendered: link bases, and a factor applied to every range and `for`.

    The link bases are the organisation's (`observability.ascode.links`); `render_rules` fills them.
    """

    name: str
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL
    grafana_base_url: str = DEFAULT_GRAFANA_URL
    time_scale: Fraction = Fraction(1)
    min_range_seconds: int = 1  # a rate() needs at least two scrapes inside its range
    min_for_seconds: int = 0
    # Prometheus applies discovered targets a few seconds after it starts (its scrape manager
    # reloads every 5 s) while rules are evaluated at once: an absent(up) alert waits this long.
    min_discovery_for_seconds: int = 0

    def runbook_url(self, slug: str) -> str:
        return f"{self.runbook_base_url.rstrip('/')}/{slug}"

    def dashboard_url(self, uid: str) -> str:
        return f"{self.grafana_base_url.rstrip('/')}/d/{uid}"

    def linking_to(self, links: Links) -> Profile:
        """This profile with the link bases of `links`."""
        return replace(self, runbook_base_url=links.runbook_base_url, grafana_base_url=links.grafana_url)

    def range(self, duration: str) -> str:
        """A range selector's duration under this profile."""
        return self._scaled(duration, self.min_range_seconds)

    def for_duration(self, duration: str, *, waits_for_discovery: bool = False) -> str:
        """An alert's `for` under this profile ("0s" stays "0s"); see `min_discovery_for_seconds`."""
        if parse_duration(duration) == 0:
            return "0s"
        floor = max(self.min_for_seconds, 1, self.min_discovery_for_seconds if waits_for_discovery else 0)
        return self._scaled(duration, min(floor, parse_duration(duration)))

    def expr(self, promql: str) -> str:
        """`promql` with every range selector scaled; names of recorded series are left alone."""
        if self.time_scale == 1:
            return promql
        return _RANGE.sub(lambda match: "[" + self.range(match.group(1)), promql)

    def _scaled(self, duration: str, floor: int) -> str:
        seconds = parse_duration(duration)
        if self.time_scale == 1:
            return format_duration(seconds)
        return format_duration(max(floor, round(seconds * self.time_scale)))


PRODUCTION = Profile("production")
# One production minute becomes one second: with 1 s scrape and evaluation intervals a live test
# sees a page-level burn-rate alert (1h/5m windows, for 2m) fire within a few seconds. Alert names,
# labels, recorded series names and thresholds are the production ones, so routing and
# dashboards work unchanged against it; absolute thresholds in seconds (heartbeat age, oldest
# job) are not compressed. A target-down alert waits 20 s, so that starting Prometheus (which
# scrapes nothing for its first seconds) pages nobody.
FAST = Profile(
    "fast", time_scale=Fraction(1, 60), min_range_seconds=5, min_for_seconds=1, min_discovery_for_seconds=20
)

PROFILES = {profile.name: profile for profile in (PRODUCTION, FAST)}


def profile_named(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown alert profile {name!r}; choose one of {', '.join(PROFILES)}") from None
