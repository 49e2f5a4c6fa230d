"""The graphs of what fired: one per distinct alert expression, or the reason there is none.

A review never fails for want of a graph: Prometheus unset, unreachable or refusing the query
becomes a sentence shown where the graph would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from observability.incidents.episodes import before
from observability.reviews.draft import ReviewAlert, ReviewDraft
from observability.reviews.graph_plot import Marks, draw
from observability.reviews.graph_query import GraphQuery, UnparsableExpression, graph_query
from observability.reviews.prometheus import PrometheusUnavailable, RangeSource

NOT_CONFIGURED = "no graph: OBS_PROMETHEUS_URL is not set, so the alert's expression was not queried"


@dataclass(frozen=True)
class Graph:
    """An alert's graph (PNG with its source inside) or why there is none."""

    number: int
    alertname: str
    expr: str
    file: str  # the PNG's name beside an exported review: incident-<id>-graph-<n>.png
    png: bytes | None
    reason: str  # "" when drawn
    query: GraphQuery | None

    def fingerprint(self, window_end: datetime | None) -> dict[str, Any]:
        """What identifies this graph in a version's hash (not the pixels: Prometheus data moves)."""
        return {
            "alertname": self.alertname,
            "expr": self.expr,
            "query": self.query.query if self.query else "",
            "start": self.query.start.isoformat() if self.query else "",
            "end": window_end.isoformat() if window_end else "open",
            "drawn": self.png is not None,
            "reason": self.reason,
        }


def draw_graphs(draft: ReviewDraft, source: RangeSource | None, *, now: datetime) -> list[Graph]:
    """A graph per distinct expression among the draft's alerts, in the order they fired."""
    chosen: dict[str, ReviewAlert] = {}
    for alert in draft.alerts:
        if alert.expr and alert.expr not in chosen:
            chosen[alert.expr] = alert
    if not chosen:
        return []
    durations, rules_reason = _rule_durations(source)
    graphs = []
    for number, alert in enumerate(chosen.values(), start=1):
        file = f"incident-{draft.incident_id}-graph-{number}.png"
        graphs.append(_graph(draft, alert, source, durations, number, file, now, rules_reason))
    return graphs


def _rule_durations(source: RangeSource | None) -> tuple[dict[str, float], str]:
    if source is None:
        return {}, NOT_CONFIGURED
    try:
        return source.rule_durations(), ""
    except PrometheusUnavailable as exc:
        return {}, f"no graph: {exc}"


def _graph(
    draft: ReviewDraft,
    alert: ReviewAlert,
    source: RangeSource | None,
    durations: dict[str, float],
    number: int,
    file: str,
    now: datetime,
    unavailable: str,
) -> Graph:
    end = min(draft.window_end or now, now)
    try:
        query = graph_query(alert.expr, start=draft.window_start, end=end)
    except UnparsableExpression as exc:
        return Graph(number, alert.alertname, alert.expr, file, None, f"no graph: {exc}", None)
    if source is None or unavailable:
        return Graph(number, alert.alertname, alert.expr, file, None, unavailable or NOT_CONFIGURED, query)
    try:
        series = source.query_range(
            query.query, start=query.start, end=query.end, step_seconds=query.step_seconds
        )
    except PrometheusUnavailable as exc:
        return Graph(number, alert.alertname, alert.expr, file, None, f"no graph: {exc}", query)
    if not series:
        reason = (
            "no graph: Prometheus has no data for the expression over the window "
            "(past its retention, or the series were renamed)"
        )
        return Graph(number, alert.alertname, alert.expr, file, None, reason, query)
    png = draw(f"{alert.alertname}: {_short(query.query)}", query, series, _marks(draft, alert, durations))
    return Graph(number, alert.alertname, alert.expr, file, png, "", query)


def _marks(draft: ReviewDraft, alert: ReviewAlert, durations: dict[str, float]) -> Marks:
    episodes = draft.episodes
    pending_from = None
    if alert.alertname in durations:
        pending_from = before(alert.starts_at, timedelta(seconds=durations[alert.alertname]))
    elif episodes and episodes[0].impact_started_at < alert.starts_at:
        pending_from = episodes[0].impact_started_at
    return Marks(
        paged_at=_first(e.first_paged_at for e in episodes),
        acknowledged_at=_first(e.first_acknowledged_at for e in episodes),
        resolved_at=draft.impact_ended_at,
        pending_from=pending_from,
        fired_at=alert.starts_at,
    )


def _first(moments: Any) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 90 else flat[:87] + "…"
