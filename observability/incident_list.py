"""The incident list the pages show: filters, a search, last active first, a capped count.

Built to answer within 100 ms over 100,000 incidents (bench/incident_list.py): migration 0006
indexes last activity alone and within status, service and severity, and on PostgreSQL the title
and group labels by trigram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from observability.store.models import Incident

# SQLite has no trigram index: a search first looks among this many most recently active
# incidents (an index walk), and reads the whole table only when they hold too few matches.
RECENT_WINDOW = 5000


@dataclass(frozen=True)
class ListQuery:
    """What the list is narrowed to; None (or "") means any."""

    status: str | None = None
    service: str | None = None
    severity: str | None = None
    search: str | None = None


def list_page(
    session: Session, query: ListQuery, *, limit: int, offset: int, count_limit: int
) -> tuple[list[Incident], int]:
    """A page of matching incidents, last active first, and how many match (at most `count_limit`)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    conditions = _conditions(query, sqlite=sqlite)
    counted = select(Incident.id).where(*conditions).limit(count_limit).subquery()
    total = int(session.scalar(select(func.count()).select_from(counted)) or 0)
    newest_first = (Incident.updated_at.desc(), Incident.id.desc())
    page = select(Incident).where(*conditions).order_by(*newest_first).limit(limit).offset(offset)
    if not (sqlite and query.search):
        return list(session.scalars(page)), total
    # Matches among the most recent rows, if there are enough, are the page exactly: every
    # incident outside the window is older than all inside it.
    recent = select(Incident.id).order_by(*newest_first).limit(RECENT_WINDOW).scalar_subquery()
    rows = list(session.scalars(page.where(Incident.id.in_(recent))))
    if len(rows) == limit:
        return rows, total
    # Too few: read every row once and sort the matches (walking the index for a rare term
    # would cost a row lookup per entry, seconds at 100,000).
    scan = _unindexed_order(page)
    return list(session.scalars(scan)), total


def _conditions(query: ListQuery, *, sqlite: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status:
        conditions.append(Incident.status == query.status)
    if query.service:
        conditions.append(Incident.service == query.service)
    if query.severity:
        conditions.append(Incident.severity == query.severity)
    if query.search:
        conditions.append(_matching(query.search, sqlite=sqlite))
    return conditions


def _matching(search: str, *, sqlite: bool) -> ColumnElement[bool]:
    """The title or the group labels contain `search`, ignoring case (trigram-indexed on PostgreSQL)."""
    labels = cast(Incident.group_labels, Text)
    if sqlite:
        # SQLite's LIKE already ignores ASCII case; lower() on both sides would double the scan.
        return or_(Incident.title.contains(search, autoescape=True), labels.contains(search, autoescape=True))
    return or_(Incident.title.icontains(search, autoescape=True), labels.icontains(search, autoescape=True))


def _unindexed_order(page: Select[Any]) -> Select[Any]:
    """`page` ordered by an expression no index serves, so the planner scans and sorts."""
    last_active = func.coalesce(Incident.updated_at, Incident.opened_at)
    return page.order_by(None).order_by(last_active.desc(), Incident.id.desc())
