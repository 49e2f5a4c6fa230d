"""The review draft as plain data: a pure function of (incident, episodes, alerts, timeline, people, now).

Every duration comes from the stored episode timestamps through `observability.incidents.durations`;
nothing here reads the clock, the environment or the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from observability.incidents.durations import DEFINITIONS, EpisodeTimes, durations
from observability.incidents.episodes import before
from observability.reviews.timeline import TimelineEntry, TimelineRow, merge_timeline

# The impact window of the graphs and dashboard links: this much before and after the incident.
WINDOW_MARGIN = timedelta(minutes=30)


class IncidentFacts(Protocol):
    """What the draft reads of an incident (an ORM Incident or a plain record)."""

    id: int
    title: str
    service: str
    severity: str
    status: str
    flapping: bool
    reopen_count: int
    runbook_missing: bool
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None


class AlertRow(Protocol):
    """What the draft reads of one alert occurrence."""

    alertname: str
    severity: str
    status: str
    summary: str
    starts_at: datetime
    ends_at: datetime | None
    labels: dict[str, str]
    annotations: dict[str, str]
    runbook_url: str
    dashboard_url: str
    generator_url: str


@dataclass(frozen=True)
class ReviewAlert:
    alertname: str
    severity: str
    service: str
    status: str
    summary: str
    starts_at: datetime
    ends_at: datetime | None
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]
    runbook_url: str
    dashboard_url: str
    generator_url: str
    expr: str  # the rule's expression, from generatorURL's g0.expr ("" when it has none)


@dataclass(frozen=True)
class ReviewEpisode:
    """One opening of the incident with its timestamps and durations (None: not happened)."""

    number: int
    impact_started_at: datetime
    detected_at: datetime
    first_paged_at: datetime | None
    first_acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    ttd: timedelta
    tta: timedelta | None
    ttm: timedelta | None
    ttr: timedelta | None


@dataclass(frozen=True)
class EscalationRun:
    """An escalation step that actually fired, and who it paged."""

    at: datetime
    policy: str
    step: int  # 1-based
    cycle: int  # 1-based
    round: int
    paged: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class ReviewDraft:
    """Everything a review template shows, in the order of the Google SRE postmortem."""

    incident_id: int
    title: str
    service: str
    severity: str
    status: str
    flapping: bool
    reopen_count: int
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    services: tuple[str, ...]
    alerts: tuple[ReviewAlert, ...]
    episodes: tuple[ReviewEpisode, ...]
    impact_started_at: datetime
    impact_ended_at: datetime | None
    window_start: datetime  # impact start minus the margin: graphs and dashboards cover this
    window_end: datetime | None  # resolved plus the margin (None while unresolved)
    timeline: tuple[TimelineEntry, ...]
    detected_by: ReviewAlert | None  # the alert that fired first
    paged: tuple[str, ...]
    acknowledged_by: tuple[str, ...]
    escalations: tuple[EscalationRun, ...]
    runbook_missing: bool
    runbooks: tuple[Link, ...]
    dashboards: tuple[Link, ...]
    generators: tuple[Link, ...]
    definitions: tuple[tuple[str, str], ...]  # (duration name, its definition) for the footnotes
    generated_at: datetime


def expression_of(generator_url: str) -> str:
    """The PromQL expression in a Prometheus generatorURL (`…/graph?g0.expr=…`), or ""."""
    try:
        query = parse_qs(urlsplit(generator_url).query)
    except ValueError:
        return ""
    values = query.get("g0.expr") or []
    return values[0].strip() if values else ""


def build_draft(
    incident: IncidentFacts,
    episodes: Sequence[EpisodeTimes],
    alerts: Sequence[AlertRow],
    timeline: Sequence[TimelineRow],
    *,
    people: Mapping[str, str],
    now: datetime,
) -> ReviewDraft:
    """The draft of `incident`'s review; `people` maps person ids to names (from the matrix)."""
    review_alerts = tuple(sorted((_alert(a, incident.service) for a in alerts), key=_alert_order))
    review_episodes = tuple(_episode(i, e) for i, e in enumerate(episodes, start=1))
    impact_start = min(
        [e.impact_started_at for e in review_episodes]
        or [a.starts_at for a in review_alerts]
        or [incident.opened_at]
    )
    impact_end = _impact_end(incident, review_episodes)
    entries = merge_timeline(timeline)
    escalations = tuple(_escalation(entry, people) for entry in entries if entry.kind == "escalated")
    window_end = impact_end + WINDOW_MARGIN if impact_end is not None else None
    window_start = before(impact_start, WINDOW_MARGIN)
    return ReviewDraft(
        incident_id=incident.id,
        title=incident.title,
        service=incident.service,
        severity=incident.severity,
        status=incident.status,
        flapping=incident.flapping,
        reopen_count=incident.reopen_count,
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
        services=tuple(sorted({a.service for a in review_alerts if a.service} | _own(incident.service))),
        alerts=review_alerts,
        episodes=review_episodes,
        impact_started_at=impact_start,
        impact_ended_at=impact_end,
        window_start=window_start,
        window_end=window_end,
        timeline=entries,
        detected_by=review_alerts[0] if review_alerts else None,
        paged=_unique(name for run in escalations for name in run.paged),
        acknowledged_by=_unique(e.actor for e in entries if e.kind == "acknowledged"),
        escalations=escalations,
        runbook_missing=incident.runbook_missing or any(not a.runbook_url for a in review_alerts),
        runbooks=_links(("Runbook", a.runbook_url) for a in review_alerts),
        dashboards=_links(
            ("Dashboard", _over_window(a.dashboard_url, window_start, window_end or now))
            for a in review_alerts
        ),
        generators=_links((f"{a.alertname} in Prometheus", a.generator_url) for a in review_alerts),
        definitions=tuple((name.upper(), text) for name, text in DEFINITIONS.items()),
        generated_at=now,
    )


def _own(service: str) -> set[str]:
    return {service} if service else set()


def _alert(alert: AlertRow, incident_service: str) -> ReviewAlert:
    return ReviewAlert(
        alertname=alert.alertname,
        severity=alert.severity,
        service=alert.labels.get("service", "") or incident_service,
        status=alert.status,
        summary=alert.summary,
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        labels=tuple(sorted(alert.labels.items())),
        annotations=tuple(sorted(alert.annotations.items())),
        runbook_url=alert.runbook_url,
        dashboard_url=alert.dashboard_url,
        generator_url=alert.generator_url,
        expr=expression_of(alert.generator_url),
    )


def _alert_order(alert: ReviewAlert) -> tuple[datetime, str, tuple[tuple[str, str], ...]]:
    return (alert.starts_at, alert.alertname, alert.labels)


def _episode(number: int, episode: EpisodeTimes) -> ReviewEpisode:
    measured = durations(episode)
    return ReviewEpisode(
        number=number,
        impact_started_at=episode.impact_started_at,
        detected_at=episode.detected_at,
        first_paged_at=episode.first_paged_at,
        first_acknowledged_at=episode.first_acknowledged_at,
        mitigated_at=episode.mitigated_at,
        resolved_at=episode.resolved_at,
        ttd=measured.ttd,
        tta=measured.tta,
        ttm=measured.ttm,
        ttr=measured.ttr,
    )


def _impact_end(incident: IncidentFacts, episodes: Sequence[ReviewEpisode]) -> datetime | None:
    if incident.resolved_at is None:
        return None
    ends = [e.resolved_at or e.mitigated_at for e in episodes]
    known = [end for end in ends if end is not None]
    return max(known) if known else incident.resolved_at


def _escalation(entry: TimelineEntry, people: Mapping[str, str]) -> EscalationRun:
    data: Mapping[str, Any] = entry.data
    paged = []
    for page in data.get("pages") or []:
        if not isinstance(page, dict):
            continue
        person = page.get("person") or ""
        paged.append(people.get(person, person) or str(page.get("address") or page.get("target") or ""))
    return EscalationRun(
        at=entry.at,
        policy=str(data.get("policy", "")),
        step=_int(data.get("step")) + 1,
        cycle=_int(data.get("cycle")) + 1,
        round=_int(data.get("round")),
        paged=tuple(name for name in paged if name),
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _unique(values: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _links(pairs: Any) -> tuple[Link, ...]:
    seen: dict[str, Link] = {}
    for label, url in pairs:
        if url and url not in seen:
            seen[url] = Link(label, url)
    return tuple(seen.values())


def _over_window(url: str, start: datetime, end: datetime) -> str:
    """A Grafana dashboard URL showing the incident window (`from`/`to` in epoch milliseconds)."""
    if not url:
        return ""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}from={int(start.timestamp() * 1000)}&to={int(end.timestamp() * 1000)}"
