"""REST API over the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from observability import audit
from observability.auth.dependencies import Admin, DbSession
from observability.web.incident_schemas import FILTER_MAX_CHARS, AuditEntryOut, AuditPage, CleanText, Problem

router = APIRouter(
    prefix="/api/v1/audit",
    tags=["audit"],
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)

Filter = Annotated[CleanText | None, Query(max_length=FILTER_MAX_CHARS)]


@router.get("", response_model=AuditPage)
def list_audit(
    session: DbSession,
    _caller: Admin,
    actor: Filter = None,
    action: Filter = None,
    target: Filter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> AuditPage:
    """Audit entries newest first, filtered by actor, action and target."""
    rows, total = audit.list_entries(
        session, actor=actor, action=action, target=target, limit=limit, offset=offset
    )
    return AuditPage(
        items=[AuditEntryOut.model_validate(row) for row in rows], total=total, limit=limit, offset=offset
    )
