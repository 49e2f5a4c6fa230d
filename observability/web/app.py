"""The service's FastAPI application, its composition root: settings, database, clock, matrix,
the one scheduler, and the routers of every part.

Parts never import this module: they read what it built from `app.state` (`settings`, `engine`,
`sessions`, `clock`, `matrix`, `runbooks`, `rule_for`, `scheduler`).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC
from types import ModuleType

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI

from observability.auth.tokens import parse_configured_tokens
from observability.config import Settings, SettingsError
from observability.escalation.loading import load_matrix
from observability.ingest.rule_index import load_rule_for
from observability.ingest.runbook_index import load_runbook_index
from observability.store.engine import make_engine, session_factory
from observability.web.clock import wall_clock

# Modules under observability.web (or anywhere) that make up the app, in order. Each defines any
# of: `router` (an APIRouter), `install(app)` (middleware, state; called when the app is built)
# and `schedule(app, scheduler)` (adds its periodic jobs to the process's one APScheduler, called
# from the app's lifespan before the scheduler starts). Parts append themselves here.
ROUTERS = (
    "observability.web.request_limits",
    "observability.auth.failure_limit",
    "observability.web.errors",
    "observability.web.webhook",
    "observability.web.ops",
    "observability.web.incidents_api",
    "observability.web.audit_api",
    "observability.web.oncall",
    "observability.web.runbooks_site",
    "observability.web.review_api",
    # before incident_pages: /incidents/report is not an incident id
    "observability.web.review_pages",
    "observability.web.incident_pages",
    "observability.web.incident_forms",
    "observability.web.oncall_page",
    "observability.web.api_docs",
    "observability.web.slack_events",
)


def create_app(settings: Settings) -> FastAPI:
    """The application on the database `settings` names (migrations are the caller's job).

    Raises SettingsError or MatrixError (one line per problem) when it cannot start.
    """
    _check_api_tokens(settings)
    # Loaded once here and passed down: an invalid matrix stops the service before it serves.
    matrix = load_matrix(settings.matrix_path)
    # No pre-ping: it costs a round trip per request. A connection the server dropped fails its
    # request once (500, so Alertmanager retries) and SQLAlchemy then discards the whole pool.
    engine = make_engine(settings.database_url, pool_pre_ping=False)
    parts = [importlib.import_module(name) for name in ROUTERS]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = start_scheduler(app, parts)
        try:
            yield
        finally:
            scheduler.shutdown(wait=True)
            engine.dispose()

    app = FastAPI(
        title="Observability incident service",
        description="Alertmanager ingest, incidents, escalation and on-call for the platform.",
        version="0.1.0",
        lifespan=lifespan,
        # observability.web.api_docs serves /docs and /redoc with local assets instead of a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.clock = wall_clock
    app.state.matrix = matrix
    app.state.runbooks = load_runbook_index(
        settings.content_root / "runbooks", public_url=settings.public_url, grafana_url=settings.grafana_url
    )
    app.state.rule_for = load_rule_for(settings.content_root)
    for module in parts:
        if hasattr(module, "install"):
            module.install(app)
        if hasattr(module, "router"):
            app.include_router(module.router)
    return app


def start_scheduler(app: FastAPI, parts: list[ModuleType]) -> BackgroundScheduler:
    """The process's one scheduler (`app.state.scheduler`) with every part's jobs, started."""
    scheduler = BackgroundScheduler(timezone=UTC)
    app.state.scheduler = scheduler
    for module in parts:
        if hasattr(module, "schedule"):
            module.schedule(app, scheduler)
    scheduler.start()
    return scheduler


def _check_api_tokens(settings: Settings) -> None:
    # The auth layer's parser, run once at start: settings themselves know nothing of tokens.
    try:
        parse_configured_tokens(settings.api_tokens)
    except ValueError as exc:
        raise SettingsError(f"invalid setting OBS_API_TOKENS: {exc}") from None


def app_from_environment() -> FastAPI:
    """The app on settings from the environment (uvicorn's factory when serving with --workers)."""
    from observability.config import load_settings

    return create_app(load_settings())
