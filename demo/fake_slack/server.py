"""The fake's HTTP app: `/api/<method>` like slack.com, the admin API under `/_admin`, HTML at `/`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import admin, html_view, response_urls
from .methods import METHODS, Args, RateLimited
from .rules import ACCEPTING_MODES, Fault
from .workspace import SlackError, Workspace


class Holds:
    """Requests held by a timeout fault; `release()` lets them all go (on reset and at shutdown)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    async def hold(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)

    def release(self) -> None:
        self._event.set()
        self._event = asyncio.Event()


async def read_args(request: Request) -> dict[str, Any]:
    """Query string, then the body: form-encoded (slack-sdk's `params`/`data`) or JSON (its `json`)."""
    values: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if not body:
        return values
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            parsed = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SlackError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise SlackError("invalid_json")
        return values | parsed
    if content_type.startswith("application/x-www-form-urlencoded"):
        return values | dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    raise SlackError("invalid_form_data")


def token_error(ws: Workspace, request: Request, values: dict[str, Any]) -> str | None:
    token = str(values.pop("token", "") or "")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not token:
        return "not_authed"
    if not token.startswith("xoxb-") or (ws.bot_token is not None and token != ws.bot_token):
        return "invalid_auth"
    return None


def run_method(ws: Workspace, name: str, values: dict[str, Any]) -> tuple[int, dict[str, Any], int | None]:
    """(HTTP status, body, Retry-After) of one call, as Slack answers it."""
    try:
        return 200, {"ok": True, **METHODS[name](ws, Args(values))}, None
    except SlackError as exc:
        return 200, {"ok": False, "error": exc.error, **exc.extra}, None
    except RateLimited as exc:
        return 429, {"ok": False, "error": "ratelimited"}, exc.retry_after


async def web_api(request: Request) -> Response:
    ws: Workspace = request.app.state.workspace
    holds: Holds = request.app.state.holds
    name = request.path_params["method"]
    call: dict[str, Any] = {
        "seq": len(ws.calls) + 1,
        "method": name,
        "http_method": request.method,
        "time": ws.clock.now(),
        "wall_time": time.time(),
        "params": {},
        "status": None,
        "response": None,
        "fault": None,
    }
    ws.calls.append(call)
    try:
        values = await read_args(request)
    except SlackError as exc:
        return _answer(call, 200, {"ok": False, "error": exc.error}, None)
    auth_error = token_error(ws, request, values)
    call["params"] = values
    if name not in METHODS:
        return _answer(call, 404, {"ok": False, "error": "unknown_method", "req_method": name}, None)
    fault = ws.faults.take(name, ws.clock.now())
    if fault is not None:
        call["fault"] = fault.mode
        if fault.mode not in ACCEPTING_MODES:
            return await _fail(call, fault, holds)
    if auth_error:
        return _answer(call, 200, {"ok": False, "error": auth_error}, None)
    status, body, retry_after = run_method(ws, name, values)
    if fault is not None and fault.mode == "accept_then_500":
        call["accepted"] = body
        return _answer(call, 500, {"ok": False, "error": "fatal_error"}, None)
    if fault is not None and fault.mode == "accept_then_timeout":
        await holds.hold(fault.hold_seconds)
    return _answer(call, status, body, retry_after)


async def _fail(call: dict[str, Any], fault: Fault, holds: Holds) -> Response:
    if fault.mode == "500":
        return _answer(call, 500, {"ok": False, "error": "fatal_error"}, None)
    if fault.mode == "429":
        return _answer(call, 429, {"ok": False, "error": "ratelimited"}, fault.retry_after)
    if fault.mode == "message_limit_exceeded":
        return _answer(call, 200, {"ok": False, "error": "message_limit_exceeded"}, None)
    await holds.hold(fault.hold_seconds)  # "timeout": the client gives up first
    return _answer(call, 503, {"ok": False, "error": "request_timeout"}, None)


def _answer(call: dict[str, Any], status: int, body: dict[str, Any], retry_after: int | None) -> Response:
    call["status"], call["response"] = status, body
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(body, status_code=status, headers=headers)


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    app.state.holds.release()  # held requests must not delay the shutdown


def create_app(new_workspace: Callable[[], Workspace] = Workspace) -> Starlette:
    """The app; `POST /_admin/reset` replaces its workspace with a fresh `new_workspace()`."""
    app = Starlette(
        routes=[
            Route("/api/{method}", web_api, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            *admin.routes,
            *response_urls.routes,
            *html_view.routes,
        ],
        lifespan=lifespan,
    )
    app.state.new_workspace = new_workspace
    app.state.workspace = new_workspace()
    app.state.holds = Holds()
    return app
