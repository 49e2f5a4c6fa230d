"""`POST /api/v1/webhooks/alertmanager`: authenticate, bound, validate, then commit before 2xx.

401 without the bearer token, 413 above the body limit (counted while reading), 400 for malformed
JSON, 422 naming the field for a notification that is not Alertmanager webhook version 4; 200
only once the notification is committed; 503 (with Retry-After) while the database is unavailable,
500 for any other failure to commit: Alertmanager retries both.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import event

from observability.auth.webhook import check_webhook_caller
from observability.config import Settings
from observability.incidents.payload import AlertmanagerNotification, nul_field
from observability.ingest.alertmanager_api import fetch_group_alerts
from observability.ingest.pipeline import ingest_notification
from observability.ingest.postgres_statements import prefer_generic_plans
from observability.store.outage import RETRY_AFTER_SECONDS, database_unavailable, unavailable_reason
from observability.web.clock import Now

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/v1/webhooks/alertmanager"

router = APIRouter(tags=["webhooks"])
# Ingest transactions run here; about the database pool's size (SQLAlchemy's default 5 + 10).
_INGEST_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ingest")


def install(app: FastAPI) -> None:
    """Connections of the app's PostgreSQL pool plan the ingest's prepared statements once."""
    engine = app.state.engine
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", prefer_generic_plans)


class BodyTooLarge(Exception):
    """The request body passed the configured limit."""


def _inline_schema() -> dict[str, Any]:
    # OpenAPI has no `$defs`: inline the alert model so /docs and schema-driven fuzzers see it.
    schema = AlertmanagerNotification.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


def _error(status: int, detail: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing (BodyTooLarge) as soon as more than `limit` bytes are announced or read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def parse_notification(body: bytes) -> AlertmanagerNotification | JSONResponse:
    """The validated notification, or the 400/422 response that says what is wrong."""
    try:
        notification = AlertmanagerNotification.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        if errors[0]["type"] == "json_invalid":
            return _error(400, f"malformed JSON: {errors[0]['msg'].removeprefix('Invalid JSON: ')}")
        described = [f"{_field(error['loc'])}: {error['msg']}" for error in errors]
        return _error(422, f"invalid Alertmanager notification: {described[0]}", errors=described)
    if b"\\u0000" in body and (field := nul_field(notification)):
        return _error(422, f"invalid Alertmanager notification: {field}: contains a NUL character")
    return notification


def _field(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "body"


@router.post(
    WEBHOOK_PATH,
    summary="Receive an Alertmanager notification (webhook version 4)",
    responses={
        200: {"description": "committed (or a duplicate already committed)"},
        400: {"description": "malformed JSON"},
        401: {"description": "missing or wrong bearer token"},
        429: {"description": "too many wrong tokens from this address lately; see Retry-After"},
        413: {"description": "body larger than OBS_MAX_BODY_BYTES"},
        422: {"description": "not an Alertmanager webhook v4 notification; the field is named"},
        500: {"description": "not committed; Alertmanager retries"},
        503: {"description": "not committed, the database is unavailable; Alertmanager retries"},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _inline_schema()}}}
    },
)
async def alertmanager_webhook(request: Request, now: Now) -> JSONResponse:
    """Store the notification's effect on its group's incident; answer only after the commit."""
    settings: Settings = request.app.state.settings
    if not (settings.webhook_token is None and settings.webhook_allow_unauthenticated):
        check_webhook_caller(request, settings.webhook_token)  # 401, or 429 after repeated failures
    try:
        body = await read_body(request, settings.max_body_bytes)
    except BodyTooLarge:
        return _error(413, f"body larger than {settings.max_body_bytes} bytes (OBS_MAX_BODY_BYTES)")
    parsed = parse_notification(body)
    if isinstance(parsed, JSONResponse):
        return parsed
    extra = []
    if parsed.truncatedAlerts and settings.alertmanager_url:
        extra = await fetch_group_alerts(settings.alertmanager_url, parsed)
    try:
        ingest = partial(
            ingest_notification,
            request.app.state.sessions,
            parsed,
            now=now,
            reopen_window=timedelta(seconds=settings.reopen_window_seconds),
            runbooks=request.app.state.runbooks,
            matrix=request.app.state.matrix,
            rule_for=request.app.state.rule_for,
            extra_alerts=extra,
        )
        # asyncio's executor hand-off is cheaper than anyio's thread pool on this hot path.
        result = await asyncio.get_running_loop().run_in_executor(_INGEST_THREADS, ingest)
    except Exception as exc:
        if database_unavailable(exc):
            # An outage, not a bug: one line per refused notification, no traceback.
            log.warning(
                "database unavailable, notification of group %r refused: %s",
                parsed.groupKey,
                unavailable_reason(exc),
            )
            return _error(
                503,
                "the notification was not stored: the database is unavailable; Alertmanager will retry it",
            )
        log.exception("could not store a notification of group %r", parsed.groupKey)
        return _error(500, "the notification was not stored; Alertmanager will retry it")
    return JSONResponse({"status": "ok", "outcome": result.outcome, "incident_id": result.incident_id})
