"""Review tables: every stored version of an incident's review draft, and the drafts wanted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from observability.store.base import Base, UTCDateTime

# Review request statuses: wanted by a resolve, drafted by the job, skipped (severity not named),
# or failed (gave up after repeated errors; last_error says why).
REQUEST_PENDING = "pending"
REQUEST_DONE = "done"
REQUEST_SKIPPED = "skipped"
REQUEST_FAILED = "failed"


class ReviewVersion(Base):
    """One rendering of an incident's review; a new one whenever the template or the data changed.

    `content_hash` is the SHA-256 of the templates and the draft data, so asking again with
    nothing changed finds this row instead of writing another.
    """

    __tablename__ = "review_versions"
    __table_args__ = (
        UniqueConstraint("incident_id", "version", name="uq_review_versions_incident_id"),
        UniqueConstraint("incident_id", "content_hash", name="uq_review_versions_content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    template_hash: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # [{"file": "incident-7-graph-1.png", "alertname": ..., "png": base64 or "", "reason": ...}]
    graphs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ReviewRequest(Base):
    """A draft wanted because an incident resolved; the review job claims pending rows."""

    __tablename__ = "review_requests"
    __table_args__ = (Index("ix_review_requests_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=REQUEST_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The claim's lease: a job that died mid-draft leaves the row to the next one after this.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
