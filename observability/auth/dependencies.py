"""FastAPI dependencies: the request's database session and the caller's role check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from observability.auth.failure_limit import API_TOKEN, record_failure, refuse_if_limited
from observability.auth.roles import Role
from observability.auth.token_store import find_active_token
from observability.auth.tokens import (
    ConfiguredToken,
    Principal,
    hash_token,
    match_configured,
    parse_configured_tokens,
)

# auto_error=False: a missing header is answered by us with 401 and a WWW-Authenticate header.
bearer_scheme = HTTPBearer(auto_error=False, description="API token (`obs token create`)")


def request_session(request: Request) -> Iterator[Session]:
    """One database session per request, closed (rolled back if uncommitted) afterwards."""
    with request.app.state.sessions() as session:
        yield session


@lru_cache(maxsize=8)
def _configured(spec: str) -> tuple[ConfiguredToken, ...]:
    return parse_configured_tokens(spec)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def authenticate(
    request: Request,
    session: Annotated[Session, Depends(request_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The caller named by its bearer token (settings first, then the database), or 401.

    429 instead while this client is over its budget of wrong tokens (failure_limit).
    """
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise _unauthorized("missing bearer token (Authorization: Bearer <token>)")
    refuse_if_limited(request, API_TOKEN)
    principal = principal_of(request, session, hash_token(credentials.credentials))
    if principal is None:
        record_failure(request, API_TOKEN)
        raise _unauthorized("unknown or revoked API token")
    return principal


def principal_of(request: Request, session: Session, token_hash: str) -> Principal | None:
    """Who holds the token with this hash (settings first, then the database); None when revoked."""
    configured = match_configured(_configured(request.app.state.settings.api_tokens), token_hash)
    if configured is not None:
        return Principal(configured.name, configured.role)
    stored = find_active_token(session, token_hash)
    return None if stored is None else Principal(stored.name, Role(stored.role))


def require(role: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through callers whose role is at least `role`, else 403."""

    def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.role.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"role {principal.role.value} may not do this; needs {role.value}"
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Responder = Annotated[Principal, Depends(require(Role.RESPONDER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
DbSession = Annotated[Session, Depends(request_session)]
