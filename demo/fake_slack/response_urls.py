"""Slack's response_url: where the app answers a command or click (ephemeral, in channel, or in place)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .blocks import block_errors
from .workspace import Message, SlackError, Workspace

USES_MAX = 5  # Slack: a response_url takes at most five posts


@dataclass
class ResponseUrl:
    id: str
    channel_id: str
    user_id: str
    message_ts: str | None  # the message clicked, for replace_original / delete_original
    posts: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel_id,
            "user": self.user_id,
            "message_ts": self.message_ts,
            "posts": self.posts,
        }


def issue(ws: Workspace, request: Request, spec: dict[str, Any]) -> str:
    """A fresh response_url on this fake for a delivery built from `spec`."""
    response = ResponseUrl(
        ws.new_id("R"), str(spec.get("channel_id", "")), str(spec.get("user_id", "")), spec.get("message_ts")
    )
    ws.responses[response.id] = response
    return f"{str(request.base_url).rstrip('/')}/response/{response.id}"


def apply(ws: Workspace, response: ResponseUrl, body: dict[str, Any]) -> None:
    """What Slack does with a post: edit or delete the original, post in channel, or show ephemerally."""
    blocks = body.get("blocks")
    if blocks is not None and block_errors(blocks):
        raise SlackError("invalid_blocks")
    text = str(body.get("text", ""))
    if body.get("delete_original") and response.message_ts:
        ws.messages[response.channel_id].remove(ws.message(response.channel_id, response.message_ts))
    elif body.get("replace_original") and response.message_ts:
        original = ws.message(response.channel_id, response.message_ts)
        original.text, original.blocks = text, blocks
        original.edited_ts, original.updated_at = ws.next_ts(), time.time()
    elif body.get("response_type") == "in_channel":
        ws.channel(response.channel_id)
        thread_ts = body.get("thread_ts")
        ws.add_message(Message(response.channel_id, ws.next_ts(), text, blocks, None, thread_ts))
    else:
        ws.ephemerals.append(
            {
                "channel": response.channel_id,
                "user": response.user_id,
                "text": text,
                "blocks": blocks,
                "message_ts": ws.next_ts(),
                "via": "response_url",
            }
        )


async def post(request: Request) -> Response:
    ws: Workspace = request.app.state.workspace
    response = ws.responses.get(request.path_params["response_id"])
    if response is None:
        return Response("no_response_url", status_code=404)
    if len(response.posts) >= USES_MAX:
        return Response("used_url", status_code=404)
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Response("invalid_payload", status_code=400)
    if not isinstance(body, dict):
        return Response("invalid_payload", status_code=400)
    try:
        apply(ws, response, body)
    except SlackError as exc:
        return Response(exc.error, status_code=400)
    response.posts.append(body)
    return Response("ok")


routes = [Route("/response/{response_id}", post, methods=["POST"])]
