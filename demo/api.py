"""The platform's HTTP API: submit and read jobs, health of the database and the dependency."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine, text

from observability.catalog import DEPENDENCY_LIST
from observability.instrument import InstrumentedTransport, PoolCollector, Telemetry, instrument_app

from . import jobs
from .faults import FaultSettings, FaultState, FaultUpdate
from .schema import JOB_TYPES

log = logging.getLogger(__name__)

EMBEDDING_API = DEPENDENCY_LIST[0].name
HEALTH_TIMEOUT_SECONDS = 2.0


class JobRequest(BaseModel):
    job_type: str = Field("embed", description=f"one of {', '.join(JOB_TYPES)}")
    text: str = Field(..., min_length=1, max_length=10_000)


class JobAccepted(BaseModel):
    id: str
    status: str


def create_app(
    telemetry: Telemetry,
    engine: Engine,
    embedding_url: str,
    faults: FaultState | None = None,
    dependency_transport: httpx.BaseTransport | None = None,  # tests: the dependency without a network
) -> FastAPI:
    """The API as it runs: its routes instrumented (RED metrics, spans, access log, pool metrics)."""
    telemetry.registry.register(PoolCollector(engine, "api"))
    dependency = httpx.Client(
        base_url=embedding_url,
        timeout=HEALTH_TIMEOUT_SECONDS,
        transport=InstrumentedTransport(telemetry, EMBEDDING_API, dependency_transport),
    )
    return instrument_app(platform_routes(engine, dependency, faults), telemetry, access_log=True)


def platform_routes(
    engine: Engine, dependency: httpx.Client, faults: FaultState | None = None, **fastapi_options: Any
) -> FastAPI:
    """The API's routes without any instrumentation (bench/instrument.py adds each kind to them)."""
    app = FastAPI(title="platform API", **fastapi_options)
    state = faults or FaultState()

    def injected_errors() -> None:
        if state.should_fail():
            raise HTTPException(500, "API error (injected)")

    @app.post("/jobs", status_code=202, dependencies=[Depends(injected_errors)])
    def submit_job(request: JobRequest) -> JobAccepted:
        if request.job_type not in JOB_TYPES:
            raise HTTPException(422, f"job_type {request.job_type!r} is not one of {', '.join(JOB_TYPES)}")
        job_id = jobs.submit(engine, request.job_type, {"text": request.text})
        log.info("job submitted", extra={"job_id": job_id, "job_type": request.job_type})
        return JobAccepted(id=job_id, status="queued")

    @app.get("/jobs/{job_id}", dependencies=[Depends(injected_errors)])
    def read_job(job_id: str) -> dict[str, Any]:
        found = jobs.read(engine, job_id)
        if found is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return found

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        checks = {"database": _check_database(engine), EMBEDDING_API: _check_dependency(dependency)}
        healthy = all(value == "ok" for value in checks.values())
        return JSONResponse(checks, status_code=200 if healthy else 503)

    @app.get("/faults", include_in_schema=False)
    def read_faults() -> FaultSettings:
        return state.settings

    @app.post("/faults", include_in_schema=False)
    def set_faults(change: FaultUpdate) -> FaultSettings:
        updated = state.update(change)
        log.warning("faults changed", extra={"faults": updated.model_dump()})
        return updated

    return app


def _check_database(engine: Engine) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't raise: health answers 503 with the reason
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_dependency(client: httpx.Client) -> str:
    try:
        response = client.get("/healthz")
    except httpx.HTTPError as exc:
        return f"error: {type(exc).__name__}"
    return "ok" if response.status_code == 200 else f"error: HTTP {response.status_code}"
