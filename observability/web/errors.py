"""How the service refuses: HTML error pages on browser routes, short JSON problems on the API.

A 422 never echoes more than a short excerpt of what was sent (a 50 MB note must not come back),
malformed JSON is a 400 as on the webhook, and the OpenAPI document lists the 400, 401 and 413
answers each route really gives.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from observability.site import INCIDENT_PAGES, RUNBOOK_PAGES, Links, error_page
from observability.store.outage import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_ERRORS,
    database_unavailable,
    unavailable_reason,
)
from observability.web.page_headers import SECURITY_HEADERS
from observability.web.request_limits import Message, Scope, Send

log = logging.getLogger(__name__)

PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Paths people open in a browser: their errors are pages, not JSON.
BROWSER_PREFIXES = ("/runbooks", "/incidents", "/oncall")
EXCERPT_CHARS = 80
TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    429: "Too many attempts",
    503: "Service unavailable",
}


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    for error in UNAVAILABLE_ERRORS:
        app.add_exception_handler(error, _database_unavailable)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_refusals(generate(), app.state.settings.max_body_bytes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up before its body ended: nothing was written, and nobody reads the answer.
    return answer(request.url.path, 400, "the client disconnected before the request body ended")


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    if not database_unavailable(exc):
        raise exc  # a bug (SQLite's OperationalError for a missing table): the 500 it is
    # The database is down or restarting: nothing the client sent is wrong, and retrying works.
    log.warning(
        "database unavailable, %s %s answered 503: %s",
        request.method,
        request.url.path,
        unavailable_reason(exc),
    )
    detail = "The database is unavailable; try again in a moment."
    return answer(request.url.path, 503, detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def is_browser_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in BROWSER_PREFIXES)


def answer(path: str, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """The refusal as an HTML page on browser routes, else as JSON `{"detail": ...}`."""
    if is_browser_path(path):
        links: Links = RUNBOOK_PAGES if path.startswith("/runbooks") else INCIDENT_PAGES
        title = TITLES.get(status, "Request refused" if status < 500 else "Server error")
        page = error_page(links, title=title, message=detail)
        return HTMLResponse(page, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    """Send a refusal from ASGI middleware (before any route ran)."""
    response = answer(str(scope.get("path", "")), status, detail, {"Connection": "close"})

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, receive, send)


def excerpt(value: Any) -> str:
    """At most EXCERPT_CHARS characters of `value` as JSON, marked when cut."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    except ValueError:
        text = repr(value)
    shown = text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + f"… ({len(text)} characters)"
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate shows as \ud800


def short_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """pydantic's errors with each `input` cut to an excerpt and its context dropped."""
    return [
        {
            "type": error["type"],
            "loc": list(error["loc"]),
            "msg": error["msg"],
            **({"input": excerpt(error["input"])} if "input" in error else {}),
        }
        for error in errors
    ]


def _where(location: Sequence[Any]) -> str:
    parts = [str(part) for part in location]
    return ".".join(parts[1:] if len(parts) > 1 and parts[0] in ("body", "path", "query") else parts)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if errors and errors[0]["type"] == "json_invalid":
        message = str(errors[0].get("ctx", {}).get("error", errors[0]["msg"]))
        return answer(request.url.path, 400, f"malformed JSON: {message}")
    short = short_errors(errors)
    if is_browser_path(request.url.path):
        shown = "; ".join(f"{_where(error['loc'])}: {error['msg']}" for error in short[:3])
        return answer(request.url.path, 422, shown)
    return JSONResponse({"detail": short}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if not is_browser_path(request.url.path):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers or None)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"There is no page at {excerpt(request.url.path)}."
    return answer(request.url.path, exc.status_code, detail, headers)


# Routes that answer without the database (liveness): no 503 for an unavailable one
NO_DATABASE_PATHS = frozenset({"/healthz"})
UNAVAILABLE_DESCRIPTION = "the database is unavailable; try again after Retry-After"


def document_refusals(document: dict[str, Any], limit: int) -> dict[str, Any]:
    """Add the 400/401/413/503 answers each operation gives to `document` (those not listed yet).

    413 everywhere (the body limit is in front of every route), 400 where a JSON body is parsed,
    401 where an API operation asks for a bearer token (its `security`); pages list their own;
    503 wherever the database is read (observability.store.outage: while it is unavailable).
    """
    from observability.web.request_limits import too_large

    for path, item in document.get("paths", {}).items():
        html = is_browser_path(path)
        body: dict[str, Any] = {"content": {"text/html": {}}} if html else {"content": PROBLEM}
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                responses.setdefault("400", {"description": "malformed JSON", **body})
            # Pages read a token optionally (a runbook shows more to a viewer, logout needs none):
            # each page lists its own 401 (the sign-in page) where it gives one.
            if operation.get("security") and not html:
                responses.setdefault("401", {"description": "missing or unknown token", **body})
            if operation.get("security"):
                # observability.auth.failure_limit: too many wrong tokens from one client.
                responses.setdefault("429", {"description": "too many wrong tokens; see Retry-After", **body})
            responses.setdefault("413", {"description": too_large(limit), **body})
            if path not in NO_DATABASE_PATHS:
                responses.setdefault("503", {"description": UNAVAILABLE_DESCRIPTION, **body})
    return document
