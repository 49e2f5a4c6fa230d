"""Drafts made on resolve, through rows: resolving writes a `review_requests` row; a job drafts it.

The row is written in the resolving transaction (by hand or by Alertmanager), so a restart loses
no draft. The job (on the process's scheduler) claims pending rows with a lease in a short
transaction, renders outside it (Prometheus may take seconds, and SQLite has one writer), stores
the version and marks the row done. A job that dies leaves the lease to expire; another retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from observability.incidents.errors import IncidentNotFound
from observability.store.models import Incident
from observability.store.review_models import (
    REQUEST_DONE,
    REQUEST_FAILED,
    REQUEST_PENDING,
    REQUEST_SKIPPED,
    ReviewRequest,
)

if TYPE_CHECKING:  # the resolve paths import this module: no matplotlib, no httpx for them
    from observability.reviews.context import ReviewContext

log = logging.getLogger(__name__)

DRAFT_ACTOR = "system:review-draft"
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
BATCH = 5


def want_review(session: Session, *, incident_id: int, now: datetime) -> None:
    """Ask for a draft of the incident's review, inside the resolving transaction."""
    session.add(
        ReviewRequest(
            incident_id=incident_id, requested_at=now, status=REQUEST_PENDING, attempts=0, last_error=""
        )
    )


@dataclass
class ReviewDrafter:
    """Drafts the wanted reviews of the severities the matrix names."""

    sessions: sessionmaker[Session]
    context: Callable[[], ReviewContext]  # read per run: the matrix may be reloaded
    clock: Callable[[], datetime]

    def run_once(self, limit: int = BATCH) -> int:
        """Draft up to `limit` wanted reviews; how many requests were settled (drafted or skipped)."""
        settled = 0
        for request_id, incident_id in self._claim(limit):
            settled += self._settle(request_id, incident_id)
        return settled

    def _claim(self, limit: int) -> list[tuple[int, int]]:
        now = self.clock()
        with self.sessions() as session:
            rows = session.execute(
                select(ReviewRequest.id, ReviewRequest.incident_id)
                .where(
                    ReviewRequest.status == REQUEST_PENDING,
                    or_(ReviewRequest.claimed_until.is_(None), ReviewRequest.claimed_until < now),
                )
                .order_by(ReviewRequest.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return []
            session.execute(
                update(ReviewRequest)
                .where(ReviewRequest.id.in_([row.id for row in rows]))
                .values(claimed_until=now + LEASE, attempts=ReviewRequest.attempts + 1)
            )
            session.commit()
            return [(row.id, row.incident_id) for row in rows]

    def _settle(self, request_id: int, incident_id: int) -> int:
        from observability.reviews.versions import make_review

        context = self.context()
        with self.sessions() as session, context.source() as source:
            severity = session.scalar(select(Incident.severity).where(Incident.id == incident_id))
            if severity is None or severity not in context.severities:
                self._finish(session, request_id, REQUEST_SKIPPED, None, "")
                return 1
            try:
                stored = make_review(
                    session,
                    incident_id=incident_id,
                    actor=DRAFT_ACTOR,
                    people=context.people,
                    source=source,
                    templates=context.templates,
                    now=self.clock(),
                )
            except IncidentNotFound:
                self._finish(session, request_id, REQUEST_SKIPPED, None, "incident deleted")
                return 1
            except Exception as exc:  # the next claim retries; after MAX_ATTEMPTS the row says why
                session.rollback()
                log.exception("review draft of incident %s failed", incident_id)
                self._failed(session, request_id, f"{type(exc).__name__}: {exc}")
                return 0
            self._finish(session, request_id, REQUEST_DONE, stored.version.id, "")
            return 1

    def _finish(
        self, session: Session, request_id: int, status: str, version_id: int | None, error: str
    ) -> None:
        session.execute(
            update(ReviewRequest)
            .where(ReviewRequest.id == request_id, ReviewRequest.status == REQUEST_PENDING)
            .values(
                status=status,
                done_at=self.clock(),
                version_id=version_id,
                last_error=error,
                claimed_until=None,
            )
        )
        session.commit()

    def _failed(self, session: Session, request_id: int, error: str) -> None:
        attempts = session.scalar(select(ReviewRequest.attempts).where(ReviewRequest.id == request_id)) or 0
        values: dict[str, object] = {"last_error": error[:2000]}
        if attempts >= MAX_ATTEMPTS:
            values |= {"status": REQUEST_FAILED, "done_at": self.clock()}
        session.execute(
            update(ReviewRequest)
            .where(ReviewRequest.id == request_id, ReviewRequest.status == REQUEST_PENDING)
            .values(**values)
        )
        session.commit()
