"""REST API over the audit log (admins only)."""

from __future__ import annotations

from fastapi import APIRouter

from observability import audit
from observability.auth.dependencies import Admin, DbSession
from observability.web.incident_schemas import (
    AuditEntryOut,
    AuditPage,
    PageLimit,
    PageOffset,
    Problem,
    TextFilter,
)

router = APIRouter(
    prefix="/api/v1/audit",
    tags=["audit"],
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)


@router.get("", response_model=AuditPage)
def list_audit(
    session: DbSession,
    _caller: Admin,
    actor: TextFilter = None,
    action: TextFilter = None,
    target: TextFilter = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> AuditPage:
    """Audit entries newest first, filtered by actor, action and target."""
    rows, total = audit.list_entries(
        session, actor=actor, action=action, target=target, limit=limit, offset=offset
    )
    return AuditPage(
        items=[AuditEntryOut.model_validate(row) for row in rows], total=total, limit=limit, offset=offset
    )
