"""Reviews in the store: render an incident's draft and keep it as a version when it is new.

`make_review` is what every surface calls (CLI, API, page, the job that drafts on resolve): it
renders afresh, and stores a version only when the templates or the data changed (the content
hash); otherwise it answers the version already stored. Earlier versions are never touched.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from observability import audit
from observability.incident_actions import get_incident
from observability.incidents.errors import IncidentNotFound
from observability.reviews.draft import build_draft
from observability.reviews.graphs import Graph, draw_graphs
from observability.reviews.prometheus import RangeSource
from observability.reviews.render import RenderedReview, render_review
from observability.store.models import Incident
from observability.store.review_models import ReviewVersion

INCIDENT_REVIEW = "incident.review"


@dataclass(frozen=True)
class StoredReview:
    """A stored version with the PNGs of its graphs (by file name) and whether this ask made it."""

    version: ReviewVersion
    pngs: dict[str, bytes]
    created: bool


def load_incident(session: Session, incident_id: int) -> Incident:
    """The incident with alerts, timeline and episodes loaded (IncidentNotFound when missing)."""
    incident = get_incident(session, incident_id=incident_id)
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


def render_incident(
    incident: Incident,
    *,
    people: Mapping[str, str],
    source: RangeSource | None,
    templates: Path,
    now: datetime,
) -> RenderedReview:
    """The incident's review rendered now (graphs queried from `source`)."""
    draft = build_draft(
        incident, incident.episodes, incident.alerts, incident.timeline, people=people, now=now
    )
    return render_review(draft, draw_graphs(draft, source, now=now), templates)


def make_review(
    session: Session,
    *,
    incident_id: int,
    actor: str,
    people: Mapping[str, str],
    source: RangeSource | None,
    templates: Path,
    now: datetime,
) -> StoredReview:
    """The incident's current review, stored as a new version (and audited) when it is new; commits."""
    incident = load_incident(session, incident_id)
    rendered = render_incident(incident, people=people, source=source, templates=templates, now=now)
    existing = _by_hash(session, incident_id, rendered.content_hash)
    if existing is not None:
        return StoredReview(existing, stored_pngs(existing), created=False)
    latest = session.scalar(
        select(func.max(ReviewVersion.version)).where(ReviewVersion.incident_id == incident_id)
    )
    row = ReviewVersion(
        incident_id=incident_id,
        version=(latest or 0) + 1,
        content_hash=rendered.content_hash,
        template_hash=rendered.template_hash,
        made_at=now,
        made_by=actor,
        markdown=rendered.markdown,
        html=rendered.html,
        graphs=[_graph_row(graph) for graph in rendered.graphs],
    )
    session.add(row)
    details = {"version": row.version, "content_hash": row.content_hash, "template_hash": row.template_hash}
    audit.record(
        session,
        actor=actor,
        action=INCIDENT_REVIEW,
        target=audit.incident_target(incident_id),
        now=now,
        details=details,
    )
    try:
        session.commit()
    except IntegrityError:
        # Another replica stored the same content (or the same version number) first: use theirs,
        # or render again on top of the version it stored.
        session.rollback()
        winner = _by_hash(session, incident_id, rendered.content_hash)
        if winner is not None:
            return StoredReview(winner, stored_pngs(winner), created=False)
        return make_review(
            session,
            incident_id=incident_id,
            actor=actor,
            people=people,
            source=source,
            templates=templates,
            now=now,
        )
    return StoredReview(row, {g.file: g.png for g in rendered.graphs if g.png}, created=True)


def _by_hash(session: Session, incident_id: int, content: str) -> ReviewVersion | None:
    return session.scalars(
        select(ReviewVersion).where(
            ReviewVersion.incident_id == incident_id, ReviewVersion.content_hash == content
        )
    ).one_or_none()


def _graph_row(graph: Graph) -> dict[str, str]:
    return {
        "file": graph.file,
        "alertname": graph.alertname,
        "expr": graph.expr,
        "png": base64.b64encode(graph.png).decode() if graph.png else "",
        "reason": graph.reason,
    }


def stored_pngs(version: ReviewVersion) -> dict[str, bytes]:
    """{file name: PNG} of a stored version's graphs."""
    return {item["file"]: base64.b64decode(item["png"]) for item in version.graphs or [] if item.get("png")}


def count_versions(session: Session, incident_id: int) -> int:
    """How many versions of the incident's review are stored."""
    count = session.scalar(select(func.count()).where(ReviewVersion.incident_id == incident_id))
    return int(count or 0)


def list_versions(session: Session, incident_id: int) -> list[ReviewVersion]:
    """Every stored version of the incident's review, oldest first."""
    return list(
        session.scalars(
            select(ReviewVersion)
            .where(ReviewVersion.incident_id == incident_id)
            .order_by(ReviewVersion.version)
        )
    )


def get_version(session: Session, incident_id: int, version: int) -> ReviewVersion | None:
    return session.scalars(
        select(ReviewVersion).where(
            ReviewVersion.incident_id == incident_id, ReviewVersion.version == version
        )
    ).one_or_none()
