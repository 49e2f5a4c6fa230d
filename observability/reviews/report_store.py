"""Read what the cross-incident report needs from the store, and print the report as text."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from observability.escalation.durations import format_duration
from observability.incidents.durations import DEFINITIONS, durations
from observability.reviews.report import Report, ReportIncident, Spread
from observability.store.models import Incident, IncidentAlert, IncidentEpisode, TimelineEvent
from observability.store.review_models import ReviewVersion


def load_report_incidents(session: Session, *, since: datetime) -> list[ReportIncident]:
    """Every incident opened since `since`, with its episodes' TTA/TTR, pages and review state."""
    incidents = list(
        session.scalars(select(Incident).where(Incident.opened_at >= since).order_by(Incident.id))
    )
    ids = [incident.id for incident in incidents]
    if not ids:
        return []
    alertnames: dict[int, set[str]] = defaultdict(set)
    for incident_id, name in session.execute(
        select(IncidentAlert.incident_id, IncidentAlert.alertname).where(IncidentAlert.incident_id.in_(ids))
    ):
        alertnames[incident_id].add(name)
    episodes: dict[int, list[IncidentEpisode]] = defaultdict(list)
    for episode in session.scalars(
        select(IncidentEpisode).where(IncidentEpisode.incident_id.in_(ids)).order_by(IncidentEpisode.episode)
    ):
        episodes[episode.incident_id].append(episode)
    pages: dict[int, int] = defaultdict(int)
    acknowledged: set[int] = set()
    for incident_id, kind, data in session.execute(
        select(TimelineEvent.incident_id, TimelineEvent.kind, TimelineEvent.data).where(
            TimelineEvent.incident_id.in_(ids), TimelineEvent.kind.in_(("escalated", "acknowledged"))
        )
    ):
        if kind == "acknowledged":
            acknowledged.add(incident_id)
        elif isinstance(data, dict) and isinstance(data.get("pages"), list):
            pages[incident_id] += len(data["pages"])
    reviewed = set(
        session.scalars(select(ReviewVersion.incident_id).where(ReviewVersion.incident_id.in_(ids)))
    )
    found = []
    for incident in incidents:
        measured = [durations(episode) for episode in episodes[incident.id]]
        found.append(
            ReportIncident(
                id=incident.id,
                title=incident.title,
                service=incident.service,
                severity=incident.severity,
                alertnames=tuple(sorted(alertnames[incident.id])),
                opened_at=incident.opened_at,
                flapping=incident.flapping,
                reopen_count=incident.reopen_count,
                runbook_missing=incident.runbook_missing,
                acknowledged=incident.id in acknowledged or incident.acknowledged_at is not None,
                reviewed=incident.id in reviewed,
                pages=pages[incident.id],
                tta=tuple(m.tta for m in measured if m.tta is not None),
                ttr=tuple(m.ttr for m in measured if m.ttr is not None),
            )
        )
    return found


def seconds_text(value: timedelta | None) -> str:
    """`4m30s (270.0 s)`: readable, and exact to a tenth of a second."""
    if value is None:
        return "—"
    return f"{format_duration(value)} ({value.total_seconds():.1f} s)"


def _spread_line(name: str, value: Spread) -> str:
    median, p90 = seconds_text(value.median), seconds_text(value.p90)
    return f"{name}: median {median}, p90 {p90} over {value.count} episode(s)"


def report_text(report: Report) -> str:
    """The report as plain text (what `obs report` prints)."""
    lines = [
        f"incidents opened {report.since:%Y-%m-%d %H:%M} UTC to {report.until:%Y-%m-%d %H:%M} UTC: "
        f"{report.incidents}",
        _spread_line("TTA", report.tta),
        _spread_line("TTR", report.ttr),
        f"  (TTA: {DEFINITIONS['tta']}; TTR: {DEFINITIONS['ttr']}; medians and p90s, not means)",
        "",
        "by severity:",
    ]
    for severity, tta, ttr in report.by_severity:
        lines.append(f"  {severity:<10} {_spread_line('TTA', tta)}; {_spread_line('TTR', ttr)}")
    sections: list[tuple[str, list[str]]] = [
        ("incidents per service", [f"  {count:>5}  {name}" for name, count in report.per_service]),
        ("incidents per alert", [f"  {count:>5}  {name}" for name, count in report.per_alert]),
        (
            "alerts that paged most (pages, incidents paged)",
            [f"  {pages:>5}  {paged:>5}  {name}" for name, pages, paged in report.most_paging],
        ),
        (
            "flapping alerts (flapping incidents, reopens)",
            [f"  {count:>5}  {reopens:>5}  {name}" for name, count, reopens in report.flapping],
        ),
        (
            "incidents without a runbook",
            [f"  #{i.id} {i.title} ({', '.join(i.alertnames)})" for i in report.without_runbook],
        ),
        (
            "acknowledged incidents without a review",
            [f"  #{i.id} {i.title} (obs review {i.id})" for i in report.unreviewed],
        ),
    ]
    for title, rows in sections:
        lines += ["", f"{title}:", *(rows or ["  none"])]
    return "\n".join(lines) + "\n"


def _json_value(value: object) -> object:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def report_json(report: Report) -> str:
    """The report as JSON (durations in seconds, times in ISO 8601)."""
    return json.dumps(dataclasses.asdict(report), default=_json_value, indent=2) + "\n"
