"""API tokens kept in the database: create (audited), find by hash, list, revoke (audited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from observability import audit
from observability.auth.roles import Role
from observability.auth.tokens import check_token_name, generate_token, hash_token
from observability.store.access_models import ApiToken


class TokenNameTaken(ValueError):
    """Another token already has this name (names are the audit actors, so they are unique)."""


def create_token(
    session: Session, *, role: Role, name: str, actor: str, now: datetime
) -> tuple[ApiToken, str]:
    """Store a new token's hash with an audit row; return the row and the token (shown once)."""
    check_token_name(name)
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenNameTaken(f"a token named {name!r} already exists")
    token = generate_token()
    row = ApiToken(name=name, role=role.value, token_hash=hash_token(token), created_at=now, created_by=actor)
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=audit.TOKEN_CREATE,
        target=audit.token_target(name),
        now=now,
        details={"role": role.value},
    )
    return row, token


def find_active_token(session: Session, token_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash (an indexed equality lookup, not a string compare)."""
    return session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    )


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session: Session, *, name: str, actor: str, now: datetime) -> ApiToken | None:
    """Mark the named token revoked (audited); None when no active token has that name."""
    row = session.scalar(select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None)))
    if row is None:
        return None
    row.revoked_at = now
    audit.record(session, actor=actor, action=audit.TOKEN_REVOKE, target=audit.token_target(name), now=now)
    return row
