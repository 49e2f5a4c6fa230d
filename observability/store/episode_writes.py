"""Stamping an incident's latest episode: first page, first acknowledgement, resolution.

The latest episode of an incident is number `reopen_count + 1` (the ingest opens episode 1 with the
incident and one more on each reopen). Every stamp is set only while unset: the first one counts.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from observability.store.models import Incident, IncidentEpisode

_LATEST_EPISODE_NUMBER = (
    select(Incident.reopen_count + 1).where(Incident.id == IncidentEpisode.incident_id).scalar_subquery()
)


def latest_episode(session: Session, incident: Any) -> IncidentEpisode | None:
    """The incident's current episode (locked with the incident's own lock), or None before episodes."""
    return session.scalars(
        select(IncidentEpisode).where(
            IncidentEpisode.incident_id == incident.id, IncidentEpisode.episode == incident.reopen_count + 1
        )
    ).one_or_none()


def mark_first_paged(session: Session, incident_ids: Collection[int], at: datetime) -> None:
    """Set `first_paged_at` of each incident's current episode to `at` where it is unset."""
    if not incident_ids:
        return
    session.execute(
        update(IncidentEpisode)
        .where(
            IncidentEpisode.incident_id.in_(incident_ids),
            IncidentEpisode.episode == _LATEST_EPISODE_NUMBER,
            IncidentEpisode.first_paged_at.is_(None),
        )
        .values(first_paged_at=at)
        .execution_options(synchronize_session=False)
    )
