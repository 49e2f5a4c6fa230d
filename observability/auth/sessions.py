"""Server-side browser sessions: open (audited), find the live one for a cookie, end (audited).

The cookie carries a random id; the table keeps its SHA-256, the hash of the API token the session
was opened with, and the session's CSRF token. A session ends when it expires, when its browser
signs out, and when its token is revoked (callers re-check the token on every request).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from observability import audit
from observability.auth.tokens import hash_token
from observability.store.access_models import BrowserSession

SESSION_OPEN = "session.open"
SESSION_END = "session.end"
# One on-call night; a longer shift signs in again.
SESSION_LIFETIME = timedelta(hours=12)
SESSION_ID_BYTES = 32


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the id for the cookie (never stored) and its CSRF token."""

    session_id: str
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, *, token_hash: str, principal: str, now: datetime) -> OpenedSession:
    """Store a new session for the token's holder (audited); expired sessions are swept first."""
    session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now))
    opened = OpenedSession(
        secrets.token_urlsafe(SESSION_ID_BYTES),
        secrets.token_urlsafe(SESSION_ID_BYTES),
        now + SESSION_LIFETIME,
    )
    session.add(
        BrowserSession(
            id_hash=hash_token(opened.session_id),
            token_hash=token_hash,
            principal=principal,
            csrf_token=opened.csrf_token,
            created_at=now,
            expires_at=opened.expires_at,
        )
    )
    audit.record(
        session,
        actor=principal,
        action=SESSION_OPEN,
        target=_target(principal),
        now=now,
        details={"expires_at": opened.expires_at.isoformat()},
    )
    return opened


def find_session(session: Session, *, session_id: str, now: datetime) -> BrowserSession | None:
    """The unexpired session whose id the cookie holds, or None."""
    return session.scalar(
        select(BrowserSession).where(
            BrowserSession.id_hash == hash_token(session_id), BrowserSession.expires_at > now
        )
    )


def end_session(session: Session, *, session_id: str, now: datetime) -> bool:
    """Delete the session (audited); False when there was none."""
    row = session.get(BrowserSession, hash_token(session_id))
    if row is None:
        return False
    session.delete(row)
    audit.record(session, actor=row.principal, action=SESSION_END, target=_target(row.principal), now=now)
    return True


def _target(principal: str) -> str:
    return f"session:{principal}"
