"""The admin API a test (or `make demo`) drives the fake with: state, faults, clock, deliveries.

GET  /_admin/calls[?method=]        every Web API call: method, params, time, status, response
GET  /_admin/messages[?channel=]    stored messages (thread replies too), oldest first, metadata
GET  /_admin/channels | users | ephemerals | views | responses | deliveries | rate | faults | clock
POST /_admin/reset                  back to the state at start (users, settings from the CLI)
POST /_admin/faults                 {"mode", "methods", "retry_after", "until"|"duration", "count",
                                     "hold_seconds"}; {"mode": "none"} clears (for `methods`)
POST /_admin/clock                  {"advance": s} | {"set": epoch} | {"freeze": bool}
POST /_admin/rate                   {"limit": n, "window": s, "enforce": bool}
POST /_admin/users                  {"users": [{"id", "name", "email"}]}
POST /_admin/channels               {"name", "members": [...], "creator"}: a channel that exists already
POST /_admin/config                 {"events_url", "signing_secret", "bot_token"}
POST /_admin/send/command | action | view_submission | replay   signed deliveries to the app
POST /response/{id}                 a response_url: records what the app posted back
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import interactions, response_urls
from .rules import FaultError, RateWindow, channel_name_error, parse_fault
from .workspace import BOT_USER_ID, SlackError, User, Workspace


class AdminError(ValueError):
    """A bad admin request: answered 400 with the reason."""


def _ws(request: Request) -> Workspace:
    return request.app.state.workspace


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AdminError(f"body is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise AdminError("body must be a JSON object")
    return value


def _endpoint(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except (AdminError, FaultError, interactions.InteractionError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except SlackError as exc:
            return JSONResponse({"error": exc.error}, status_code=400)

    return endpoint


async def calls(request: Request) -> Any:
    method = request.query_params.get("method")
    return [c for c in _ws(request).calls if method is None or c["method"] == method]


async def messages(request: Request) -> Any:
    ws = _ws(request)
    ref = request.query_params.get("channel")
    channel_ids = [ws.channel(ref, by_name=True).id] if ref else list(ws.messages)
    return [
        {
            "channel": m.channel,
            **m.as_slack(include_metadata=True),
            "posted_at": m.posted_at,
            "updated_at": m.updated_at,
        }
        for channel_id in channel_ids
        for m in ws.messages[channel_id]
    ]


async def channels(request: Request) -> Any:
    return [dict(c.as_slack(), members=sorted(c.members)) for c in _ws(request).channels.values()]


async def users(request: Request) -> Any:
    ws = _ws(request)
    if request.method == "POST":
        for spec in (await _json(request)).get("users", []):
            if not isinstance(spec, dict) or not spec.get("id"):
                raise AdminError("each user needs an id (and name, email)")
            user = User(
                str(spec["id"]), str(spec.get("name") or spec["id"]), spec.get("email"), spec.get("real_name")
            )
            ws.users[user.id] = user
    return [u.as_slack() for u in ws.users.values()]


async def seed_channel(request: Request) -> Any:
    ws = _ws(request)
    spec = await _json(request)
    name = str(spec.get("name", "")).removeprefix("#")
    problem = channel_name_error(name)
    if problem:
        raise AdminError(f"{name!r} is not a Slack channel name: {problem}")
    try:
        channel = ws.channel(name, by_name=True)
    except SlackError:
        creator = str(spec.get("creator") or BOT_USER_ID)  # a person's id: made by someone else
        channel = ws.add_channel(name, is_private=bool(spec.get("is_private")), creator=creator)
    channel.members.update(str(m) for m in spec.get("members", []))
    return dict(channel.as_slack(), members=sorted(channel.members))


async def recorded(request: Request) -> Any:
    ws = _ws(request)
    return {
        "ephemerals": ws.ephemerals,
        "views": ws.views,
        "responses": [r.describe() for r in ws.responses.values()],
        "deliveries": ws.deliveries,
    }[request.url.path.rsplit("/", 1)[-1]]


async def reset(request: Request) -> Any:
    request.app.state.holds.release()
    request.app.state.workspace = request.app.state.new_workspace()
    return {"ok": True}


async def faults(request: Request) -> Any:
    ws = _ws(request)
    if request.method == "POST":
        spec = await _json(request)
        if spec.get("mode") == "none":
            ws.faults.clear(spec.get("methods") or [])
            request.app.state.holds.release()
        else:
            ws.faults.add(parse_fault(spec, ws.clock.now()))
    return ws.faults.describe(ws.clock.now())


async def clock(request: Request) -> Any:
    ws = _ws(request)
    if request.method == "POST":
        spec = await _json(request)
        try:
            if "freeze" in spec:
                ws.clock.freeze(bool(spec["freeze"]))
            if "set" in spec:
                ws.clock.set(float(spec["set"]))
            if "advance" in spec:
                ws.clock.advance(float(spec["advance"]))
        except (TypeError, ValueError) as exc:
            raise AdminError(f"advance and set are seconds: {exc}") from exc
    return ws.clock.describe()


async def rate(request: Request) -> Any:
    ws = _ws(request)
    if request.method == "POST":
        spec = await _json(request)
        try:
            limit = int(spec.get("limit", ws.rate.limit))
            window = float(spec.get("window", ws.rate.window))
        except (TypeError, ValueError) as exc:
            raise AdminError(f"limit and window are numbers: {exc}") from exc
        if limit < 1 or window <= 0:
            raise AdminError("limit must be >= 1 and window > 0")
        old = ws.rate
        ws.rate = RateWindow(limit, window, bool(spec.get("enforce", old.enforce)))
        ws.rate.accepted, ws.rate.history, ws.rate.rejected = old.accepted, old.history, old.rejected
    return ws.rate.report()


async def config(request: Request) -> Any:
    ws = _ws(request)
    if request.method == "POST":
        spec = await _json(request)
        for key in ("events_url", "signing_secret", "bot_token"):
            if key in spec:
                setattr(ws, key, spec[key])
    return {"events_url": ws.events_url, "bot_token_required": ws.bot_token is not None}


async def send(request: Request) -> Any:
    ws = _ws(request)
    kind = request.path_params["kind"]
    spec = await _json(request)
    if kind == "replay":
        return await _replay(ws, spec)
    trigger_id = ws.issue_trigger()
    channel = ws.channels.get(str(spec.get("channel_id", "")))
    if channel is not None and spec.get("user_id"):
        channel.members.add(str(spec["user_id"]))  # whoever types in a channel is in it
    if kind == "command":
        body = interactions.command_body(ws, spec, response_urls.issue(ws, request, spec), trigger_id)
    elif kind == "action":
        body = interactions.action_body(ws, spec, response_urls.issue(ws, request, spec), trigger_id)
    elif kind == "view_submission":
        body = interactions.view_submission_body(ws, spec, trigger_id)
    elif kind == "event":
        body = interactions.event_body(ws, spec)
    else:
        raise AdminError(f"unknown kind {kind!r}: command, action, view_submission, event or replay")
    result = await interactions.deliver(ws, kind, body, spec)
    return result | {"trigger_id": trigger_id}


async def _replay(ws: Workspace, spec: dict[str, Any]) -> Any:
    """Slack's retry: the same body again, freshly signed, with X-Slack-Retry-Num/Reason."""
    original = next((d for d in ws.deliveries if d["id"] == spec.get("delivery")), None)
    if original is None:
        raise AdminError(f"no delivery {spec.get('delivery')!r} to replay")
    options = {"url": original["url"], "retry_num": 1, "retry_reason": "http_timeout"} | spec
    return await interactions.deliver(ws, original["kind"], original["body"], options)


routes = [
    Route("/_admin/calls", _endpoint(calls)),
    Route("/_admin/messages", _endpoint(messages)),
    Route("/_admin/channels", _endpoint(channels)),
    Route("/_admin/channels", _endpoint(seed_channel), methods=["POST"]),
    Route("/_admin/users", _endpoint(users), methods=["GET", "POST"]),
    *(
        Route(f"/_admin/{name}", _endpoint(recorded))
        for name in ("ephemerals", "views", "responses", "deliveries")
    ),
    Route("/_admin/reset", _endpoint(reset), methods=["POST"]),
    Route("/_admin/faults", _endpoint(faults), methods=["GET", "POST"]),
    Route("/_admin/clock", _endpoint(clock), methods=["GET", "POST"]),
    Route("/_admin/rate", _endpoint(rate), methods=["GET", "POST"]),
    Route("/_admin/config", _endpoint(config), methods=["GET", "POST"]),
    Route("/_admin/send/{kind}", _endpoint(send), methods=["POST"]),
]
