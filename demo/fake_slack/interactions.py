"""What the fake sends to the app like Slack does: slash commands, clicks, modal submissions, events.

Each is a POST to the events URL (form-encoded; JSON for events), signed with the signing secret:
`X-Slack-Signature: v0=hex(hmac_sha256(secret, "v0:{timestamp}:{body}"))` and
`X-Slack-Request-Timestamp: {timestamp}` (wall-clock seconds, not the driven clock, since the app
checks it against its own clock). Options: `stale` (10 minutes old), `timestamp`, `bad_signature`,
`retry_num`/`retry_reason` (Slack's retry headers) and `timeout`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from .workspace import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Message, SlackError, Workspace

STALE_SECONDS = 600
DEFAULT_TIMEOUT_SECONDS = 10.0


class InteractionError(ValueError):
    """The admin request cannot be turned into a Slack delivery (unknown message, button, view…)."""


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def command_body(ws: Workspace, spec: dict[str, Any], response_url: str, trigger_id: str) -> str:
    """A slash command's form body, as Slack posts it."""
    user_id, channel_id = _required(spec, "user_id"), _required(spec, "channel_id")
    fields = {
        "token": "fake-verification-token",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": _channel_name(ws, channel_id),
        "user_id": user_id,
        "user_name": _user_name(ws, user_id),
        "command": str(spec.get("command", "/incident")),
        "text": str(spec.get("text", "")),
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields)


def action_body(ws: Workspace, spec: dict[str, Any], response_url: str, trigger_id: str) -> str:
    """A block_actions payload for a button in a posted message (its block_id and value found there)."""
    user_id, channel_id = _required(spec, "user_id"), _required(spec, "channel_id")
    action_id = _required(spec, "action_id")
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(ws, user_id),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": _channel_name(ws, channel_id)},
        "response_url": response_url,
        "state": {"values": {}},
    }
    element: dict[str, Any] = {"type": "button", "action_id": action_id}
    block_id = spec.get("block_id")
    if spec.get("message_ts"):
        message = _message(ws, channel_id, str(spec["message_ts"]))
        found = find_element(message, action_id)
        if found is None:
            raise InteractionError(f"message {message.ts} has no element with action_id {action_id!r}")
        block_id, element = found
        payload["message"] = message.as_slack(include_metadata=True)
        payload["container"] = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
            **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
        }
    action = {
        "type": element.get("type", "button"),
        "action_id": action_id,
        "block_id": block_id or "fake-block",
        "action_ts": f"{time.time():.6f}",
        **({"text": element["text"]} if "text" in element else {}),
    }
    value = spec.get("value", element.get("value"))
    if value is not None:
        action["value"] = str(value)
    payload["actions"] = [action]
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(ws: Workspace, spec: dict[str, Any], trigger_id: str) -> str:
    """A view_submission payload for a modal the app opened; `values` maps block_id → action_id → text."""
    user_id = _required(spec, "user_id")
    opened = [v["view"] for v in ws.views if v["view"]["id"] == spec.get("view_id")] or [
        v["view"] for v in ws.views[-1:] if spec.get("view_id") is None
    ]
    if not opened:
        raise InteractionError(f"no view {spec.get('view_id')!r} was opened")
    values = spec.get("values") or {}
    if not isinstance(values, dict):
        raise InteractionError("values maps block_id -> action_id -> text")
    state = {
        block_id: {
            action_id: value if isinstance(value, dict) else {"type": "plain_text_input", "value": value}
            for action_id, value in actions.items()
        }
        for block_id, actions in values.items()
    }
    view = dict(opened[0], state={"values": state}, hash=f"{int(time.time())}.fake")
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(ws, user_id),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


def event_body(ws: Workspace, spec: dict[str, Any]) -> str:
    """An Events API envelope (JSON): `event` wrapped in event_callback, or a url_verification challenge."""
    if spec.get("url_verification"):
        return json.dumps(
            {
                "token": "fake-verification-token",
                "challenge": ws.new_id("challenge-"),
                "type": "url_verification",
            }
        )
    event = spec.get("event")
    if not isinstance(event, dict) or not event.get("type"):
        raise InteractionError("event must be an object with a type (e.g. app_mention)")
    envelope = {
        "token": "fake-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"event_ts": f"{time.time():.6f}", **event},
        "type": "event_callback",
        "event_id": ws.new_id("Ev"),
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope)


def find_element(message: Message, action_id: str) -> tuple[str | None, dict[str, Any]] | None:
    """(block_id, element) of the interactive element with `action_id` in a message's blocks."""
    for block in message.blocks or []:
        candidates = list(block.get("elements", [])) + ([block["accessory"]] if "accessory" in block else [])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None


async def deliver(ws: Workspace, kind: str, body: str, options: dict[str, Any]) -> dict[str, Any]:
    """POST a signed body to the events URL; the app's status and body, recorded as a delivery."""
    url = str(options.get("url") or ws.events_url or "")
    if not url:
        raise InteractionError("no events URL: start with --events-url or POST /_admin/config")
    timestamp = str(
        options.get("timestamp") or int(time.time() - (STALE_SECONDS if options.get("stale") else 0))
    )
    secret = ws.signing_secret + ("-wrong" if options.get("bad_signature") else "")
    headers = {
        "Content-Type": "application/json" if kind == "event" else "application/x-www-form-urlencoded",
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, body),
    }
    if options.get("retry_num") is not None:
        headers["X-Slack-Retry-Num"] = str(options["retry_num"])
        headers["X-Slack-Retry-Reason"] = str(options.get("retry_reason", "http_timeout"))
    delivery: dict[str, Any] = {"id": len(ws.deliveries) + 1, "kind": kind, "url": url, "body": body}
    delivery["headers"] = headers
    ws.deliveries.append(delivery)
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(
            timeout=float(options.get("timeout", DEFAULT_TIMEOUT_SECONDS))
        ) as client:
            response = await client.post(url, content=body.encode(), headers=headers)
        delivery |= {"status": response.status_code, "body_received": response.text, "error": None}
    except httpx.HTTPError as exc:
        delivery |= {"status": None, "body_received": "", "error": f"{type(exc).__name__}: {exc}"}
    delivery["elapsed_seconds"] = round(time.monotonic() - started, 4)
    return {
        "delivery": delivery["id"],
        "status": delivery["status"],
        "body": delivery["body_received"],
        "error": delivery["error"],
        "elapsed_seconds": delivery["elapsed_seconds"],
        "request": {"body": body, "headers": headers},
    }


def _required(spec: dict[str, Any], key: str) -> str:
    value = spec.get(key)
    if not value:
        raise InteractionError(f"{key} is required")
    return str(value)


def _channel_name(ws: Workspace, channel_id: str) -> str:
    channel = ws.channels.get(channel_id)
    return channel.name if channel else "directmessage"


def _user_name(ws: Workspace, user_id: str) -> str:
    user = ws.users.get(user_id)
    return user.name if user else user_id.lower()


def _user(ws: Workspace, user_id: str) -> dict[str, Any]:
    name = _user_name(ws, user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def _message(ws: Workspace, channel_id: str, ts: str) -> Message:
    try:
        return ws.message(channel_id, ts)
    except SlackError:
        raise InteractionError(f"no message {ts} in channel {channel_id}") from None
