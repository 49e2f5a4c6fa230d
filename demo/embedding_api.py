"""A mock external embedding API with fault knobs (POST /faults) set at run time."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from observability.instrument import Telemetry, instrument_app

from .faults import FaultSettings, FaultState, FaultUpdate
from .schema import EMBEDDING_DIMENSIONS

log = logging.getLogger(__name__)


class EmbedRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=10_000)


class EmbedResponse(BaseModel):
    embedding: list[float]


def embed_text(text: str) -> list[float]:
    """A deterministic unit-scale vector derived from the text."""
    digest = hashlib.sha256(text.encode()).digest()
    return [(byte - 127.5) / 127.5 for byte in digest[:EMBEDDING_DIMENSIONS]]


def create_app(telemetry: Telemetry, faults: FaultState | None = None) -> FastAPI:
    app = FastAPI(title="embedding-api (mock)")
    state = faults or FaultState()

    async def inject() -> None:
        current = state.settings
        if current.latency_seconds:
            await asyncio.sleep(current.latency_seconds)
        if current.outage:
            raise HTTPException(503, "embedding-api outage (injected)")
        if state.should_fail():
            raise HTTPException(500, "embedding-api error (injected)")

    @app.post("/embed")
    async def embed(request: EmbedRequest) -> EmbedResponse:
        await inject()
        return EmbedResponse(embedding=embed_text(request.text))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        if state.settings.outage:
            raise HTTPException(503, "embedding-api outage (injected)")
        return {"status": "ok"}

    @app.get("/faults")
    def read_faults() -> FaultSettings:
        return state.settings

    @app.post("/faults")
    def set_faults(change: FaultUpdate) -> FaultSettings:
        updated = state.update(change)
        log.warning("faults changed", extra={"faults": updated.model_dump()})
        return updated

    return instrument_app(app, telemetry, access_log=True)
