"""The service's FastAPI application: settings, database and the routers of every part."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from observability.config import Settings
from observability.ingest.runbook_index import load_runbook_index
from observability.store.engine import make_engine, session_factory

# Modules under observability.web (or anywhere) that make up the app, in order. Each defines a
# `router` (an APIRouter) and/or `install(app)` (middleware, state); parts append themselves here.
ROUTERS = (
    "observability.web.webhook",
    "observability.web.ops",
    "observability.web.incidents_api",
    "observability.web.audit_api",
    "observability.web.oncall",
    "observability.web.runbooks_site",
    "observability.web.incident_pages",
    "observability.web.incident_actions",
)


def create_app(settings: Settings) -> FastAPI:
    """The application on the database `settings` names (migrations are the caller's job)."""
    # No pre-ping: it costs a round trip per request. A connection the server dropped fails its
    # request once (500, so Alertmanager retries) and SQLAlchemy then discards the whole pool.
    engine = make_engine(settings.database_url, pool_pre_ping=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from observability.web.oncall import start_escalation
        from observability.web.ops import start_watchdog

        escalation = start_escalation(_app)
        watchdog = start_watchdog(_app)
        yield
        if watchdog is not None:
            watchdog.shutdown()
        escalation.shutdown()
        engine.dispose()

    app = FastAPI(
        title="Observability incident service",
        description="Alertmanager ingest, incidents, escalation and on-call for the platform.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.runbooks = load_runbook_index(
        settings.content_root / "runbooks", public_url=settings.public_url, grafana_url=settings.grafana_url
    )
    for name in ROUTERS:
        module = importlib.import_module(name)
        if hasattr(module, "install"):
            module.install(app)
        if hasattr(module, "router"):
            app.include_router(module.router)
    return app


def app_from_environment() -> FastAPI:
    """The app on settings from the environment (uvicorn's factory when serving with --workers)."""
    from observability.config import load_settings

    return create_app(load_settings())


def now_of(app: FastAPI) -> datetime:
    """The app's clock: `app.state.clock` when a test injects one, else the wall clock in UTC."""
    clock: Callable[[], datetime] | None = getattr(app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)
