"""Tables for access control: API tokens (hashes only) and the audit log of every mutation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from observability.store.base import Base, UTCDateTime

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite so that it autoincrements there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class ApiToken(Base):
    """An API token: its name is the audit actor; only the SHA-256 of the token is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'responder', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEntry(Base):
    """One mutation: who (actor), what (action), on what (target), when, with details as JSON."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_target", "target"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    # Untrusted text (notes, labels) is stored as given; whoever renders it escapes it.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
