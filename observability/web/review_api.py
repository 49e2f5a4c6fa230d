"""`GET /api/v1/incidents/{id}/review`: the post-incident review draft, stored as a version.

JSON (the Markdown, the HTML, the version and its graphs) by default, or the document itself with
`?format=md|html`; `?version=N` answers an earlier stored version. `install` puts the review
context on the app and registers the job that drafts reviews wanted on resolve.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from apscheduler.schedulers.base import BaseScheduler
from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from observability.auth.dependencies import DbSession, Viewer
from observability.incidents.errors import IncidentNotFound
from observability.reviews.context import ReviewContext, review_context
from observability.reviews.versions import StoredReview, count_versions, get_version, make_review, stored_pngs
from observability.reviews.wanted import ReviewDrafter
from observability.store.outage import log_job_failure
from observability.web.clock import clock_of, now_of
from observability.web.incident_schemas import Problem
from observability.web.incidents_api import NOT_FOUND, IncidentId

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/v1/incidents",
    tags=["reviews"],
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)
DRAFT_INTERVAL_SECONDS = 5.0
GRAPH_FILE = r"^incident-[0-9]{1,19}-graph-[0-9]{1,4}\.png$"
ReviewFormat = Literal["json", "md", "html"]
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


class GraphOut(BaseModel):
    file: str
    alertname: str
    expr: str
    drawn: bool
    reason: str
    url: str  # where the PNG is served ("" when not drawn)


class ReviewOut(BaseModel):
    incident_id: int
    version: int
    versions: int
    created: bool
    content_hash: str
    template_hash: str
    made_at: datetime
    made_by: str
    markdown: str
    html: str
    graphs: list[GraphOut]


def context_of(app: FastAPI) -> ReviewContext:
    return review_context(app.state.settings, app.state.matrix)


def install(app: FastAPI) -> None:
    """The drafter of reviews wanted on resolve (its job runs on the app's scheduler)."""
    app.state.review_drafter = ReviewDrafter(app.state.sessions, lambda: context_of(app), clock=clock_of(app))


def schedule(app: FastAPI, scheduler: BaseScheduler) -> None:
    """Draft wanted reviews every few seconds."""
    drafter: ReviewDrafter = app.state.review_drafter
    scheduler.add_job(
        lambda: _draft(drafter),
        "interval",
        seconds=DRAFT_INTERVAL_SECONDS,
        id="review-drafts",
        max_instances=1,
        coalesce=True,
    )


def _draft(drafter: ReviewDrafter) -> None:
    try:
        drafter.run_once()
    except Exception as exc:  # a database outage must not kill the job; the next run retries
        log_job_failure(log, "review drafts", exc)


def current_review(
    request: Request, session: Session, incident_id: int, actor: str, version: int | None
) -> StoredReview:
    """The stored `version`, or the review made now (a new version when anything changed); 404s."""
    if version is not None:
        row = get_version(session, incident_id, version)
        if row is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"incident {incident_id} has no review version {version}"
            )
        return StoredReview(row, stored_pngs(row), created=False)
    context = context_of(request.app)
    try:
        with context.source() as source:
            return make_review(
                session,
                incident_id=incident_id,
                actor=actor,
                people=context.people,
                source=source,
                templates=context.templates,
                now=now_of(request.app),
            )
    except IncidentNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"incident {incident_id} not found") from None


VersionQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="an earlier stored version")]


@router.get(
    "/{incident_id}/review",
    response_model=ReviewOut,
    responses={**NOT_FOUND, 200: {"content": {"text/markdown": {}, "text/html": {}}}},
)
def get_review(
    incident_id: IncidentId,
    request: Request,
    session: DbSession,
    caller: Viewer,
    format_: Annotated[
        ReviewFormat, Query(alias="format", description="json (default), md or html")
    ] = "json",
    version: VersionQuery = None,
) -> Any:
    """The incident's review draft: rendered now and stored as a new version when anything changed."""
    stored = current_review(request, session, incident_id, caller.name, version)
    row = stored.version
    if format_ != "json":
        body = row.markdown if format_ == "md" else row.html
        return Response(body, media_type=MEDIA_TYPES[format_], headers={"X-Review-Version": str(row.version)})
    base = f"{request.scope.get('root_path', '')}/api/v1/incidents/{incident_id}/review/graphs/{row.version}"
    return ReviewOut(
        incident_id=incident_id,
        version=row.version,
        versions=count_versions(session, incident_id),
        created=stored.created,
        content_hash=row.content_hash,
        template_hash=row.template_hash,
        made_at=row.made_at,
        made_by=row.made_by,
        markdown=row.markdown,
        html=row.html,
        graphs=[
            GraphOut(
                file=item["file"],
                alertname=item.get("alertname", ""),
                expr=item.get("expr", ""),
                drawn=bool(item.get("png")),
                reason=item.get("reason", ""),
                url=f"{base}/{item['file']}" if item.get("png") else "",
            )
            for item in row.graphs or []
        ],
    )


@router.get(
    "/{incident_id}/review/graphs/{version}/{file}",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {"image/png": {}}}},
)
def get_review_graph(
    incident_id: IncidentId,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    file: Annotated[str, Path(pattern=GRAPH_FILE)],
    session: DbSession,
    _caller: Viewer,
) -> Response:
    """One graph of a stored review version, as PNG (its source series in the `obs-series` chunk)."""
    row = get_version(session, incident_id, version)
    png = stored_pngs(row).get(file) if row is not None else None
    if png is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"incident {incident_id} review version {version} has no graph {file}"
        )
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
