"""Operational endpoints: /metrics (own telemetry), /healthz, /readyz; schedules the dead-man's switch."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from observability.store.gauges import StoreGaugeCollector
from observability.store.migrate import serves_schema
from observability.telemetry import Telemetry
from observability.watchdog import add_watchdog_job
from observability.web.clock import clock_of
from observability.web.telemetry_middleware import WebhookMetricsMiddleware
from observability.web.webhook import WEBHOOK_PATH

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """Whether this check passed, and why not."""

    status: str
    detail: str = ""


class Readiness(Health):
    """Health, and what the outbox sender does (Slack and the outgoing webhook on or off, its last run)."""

    delivery: str = ""


def install(app: FastAPI) -> Telemetry:
    """Give `app` its own metrics registry, bound to its sessions, and count its webhook responses."""
    telemetry = Telemetry()
    telemetry.bind(app.state.sessions)
    telemetry.add_collector(StoreGaugeCollector(app.state.sessions, clock_of(app)))
    app.state.telemetry = telemetry
    app.add_middleware(WebhookMetricsMiddleware, telemetry=telemetry, path=WEBHOOK_PATH)
    return telemetry


def schedule(app: FastAPI, scheduler: BaseScheduler) -> None:
    """Run this replica's dead-man's switch on the process's scheduler (unless its timeout is 0)."""
    timeout = app.state.settings.watchdog_timeout_seconds
    if timeout <= 0:
        return
    add_watchdog_job(
        scheduler,
        app.state.sessions,
        timeout=timedelta(seconds=timeout),
        runbooks=app.state.runbooks,
        matrix=app.state.matrix,
        clock=clock_of(app),
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"}},
)
def metrics(request: Request) -> Response:
    """The service's own metrics in the Prometheus text format."""
    body, content_type = request.app.state.telemetry.render()
    return Response(body, media_type=content_type)


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Health}})
def readyz(request: Request) -> Response | Readiness:
    """Ready when the database answers and its schema is this code's newest (or a newer release's)."""
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = serves_schema(engine)
    except SQLAlchemyError as exc:
        return _unavailable(f"database unreachable ({exc.__class__.__name__})")
    if not current:
        return _unavailable("database schema is not at the newest migration (run `obs serve` or migrate)")
    delivery = getattr(request.app.state, "delivery", None)
    return Readiness(status="ok", delivery=delivery.state() if delivery is not None else "")


def _unavailable(detail: str) -> Response:
    return JSONResponse(
        Health(status="unavailable", detail=detail).model_dump(),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
