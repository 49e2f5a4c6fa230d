"""Tables for access control: API tokens (hashes only), browser sessions and the audit log."""

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


class BrowserSession(Base):
    """A signed-in browser: the cookie holds a random id, this row only its SHA-256.

    The session names the API token it was opened with (by hash); every request checks that token
    is still valid, so revoking the token ends its sessions. `csrf_token` is what the session's
    forms must send back.
    """

    __tablename__ = "browser_sessions"
    __table_args__ = (Index("ix_browser_sessions_expires_at", "expires_at"),)

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    principal: Mapped[str] = mapped_column(String(200))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
