"""The Web API methods the fake answers, each `(workspace, args) -> response body` like Slack's."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from .blocks import block_errors, view_errors
from .rules import RATE_LIMITED_METHODS, channel_name_error
from .workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    TRIGGER_TTL_SECONDS,
    Message,
    SlackError,
    Workspace,
)

HISTORY_LIMIT_DEFAULT = 100
HISTORY_LIMIT_MAX = 999
LIST_LIMIT_DEFAULT = 100
LIST_LIMIT_MAX = 1000
TEXT_MAX = 40_000
TOPIC_MAX = 250


class RateLimited(Exception):
    """HTTP 429 with Retry-After: the channel already took its messages for this window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Args:
    """A call's arguments, merged from query, form and JSON body; form values are strings."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.values.get(key, default)
        return None if value is None else str(value)

    def flag(self, key: str) -> bool:
        return str(self.values.get(key, "")).lower() in ("1", "true")

    def number(self, key: str, default: int) -> int:
        try:
            return int(self.values.get(key, default))
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments", detail=f"{key} must be an integer") from None

    def ts(self, key: str, default: float) -> float:
        value = self.values.get(key)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise SlackError(f"invalid_ts_{key}") from None

    def structured(self, key: str) -> Any:
        """A structured argument: JSON in a form field, or already a value in a JSON body."""
        value = self.values.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise SlackError("invalid_json", detail=f"{key} is not JSON") from None
        return value


def auth_test(ws: Workspace, args: Args) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": "incident-bot",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "is_enterprise_install": False,
    }


def conversations_create(ws: Workspace, args: Args) -> dict[str, Any]:
    name = args.text("name") or ""
    error = channel_name_error(name)
    if error:
        raise SlackError(error)
    channel = ws.add_channel(name, is_private=args.flag("is_private"))
    return {"channel": channel.as_slack()}


def conversations_set_topic(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.channel(args.text("channel"))
    topic = args.text("topic") or ""
    if len(topic) > TOPIC_MAX:
        raise SlackError("too_long")
    channel.topic = topic
    return {"channel": channel.as_slack()}


def conversations_invite(ws: Workspace, args: Args) -> dict[str, Any]:
    """Slack's gotcha kept: anyone already a member fails the whole call unless force=true."""
    channel = ws.channel(args.text("channel"))
    users = [u.strip() for u in (args.text("users") or "").split(",") if u.strip()]
    if not users:
        raise SlackError("no_user")
    if BOT_USER_ID in users:
        raise SlackError("cant_invite_self")
    errors = []
    for user_id in users:
        if user_id not in ws.users:
            errors.append({"user": user_id, "ok": False, "error": "user_not_found"})
        elif user_id in channel.members:
            errors.append({"user": user_id, "ok": False, "error": "already_in_channel"})
    if errors and not args.flag("force"):
        raise SlackError(str(errors[0]["error"]), errors=errors)
    channel.members.update(u for u in users if u in ws.users)
    return {"channel": channel.as_slack()} | ({"errors": errors} if errors else {})


def conversations_history(ws: Workspace, args: Args) -> dict[str, Any]:
    """Top-level messages, newest first, between oldest and latest, a cursor page at a time."""
    channel = ws.channel(args.text("channel"))
    parents = [m for m in ws.messages[channel.id] if m.thread_ts is None]
    return _page(parents, args)


def conversations_replies(ws: Workspace, args: Args) -> dict[str, Any]:
    """A thread, parent first then replies oldest first (Slack's order for replies)."""
    channel = ws.channel(args.text("channel"))
    parent = ws.message(channel.id, args.text("ts"))
    if parent.thread_ts is not None:
        parent = ws.message(channel.id, parent.thread_ts)
    thread = [parent, *(ws.message(channel.id, ts) for ts in parent.replies)]
    return _page(thread, args, newest_first=False)


def _page(messages: list[Message], args: Args, *, newest_first: bool = True) -> dict[str, Any]:
    oldest = args.ts("oldest", 0.0)
    latest = args.ts("latest", float("inf"))
    inclusive = args.flag("inclusive")
    limit = min(max(args.number("limit", HISTORY_LIMIT_DEFAULT), 1), HISTORY_LIMIT_MAX)
    start = _cursor_offset(args.text("cursor"))

    def within(message: Message) -> bool:
        ts = float(message.ts)
        return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

    selected = [m for m in messages if within(m)]
    if newest_first:
        selected.reverse()
    page = selected[start : start + limit]
    has_more = start + limit < len(selected)
    include_metadata = args.flag("include_all_metadata")
    return {
        "messages": [m.as_slack(include_metadata=include_metadata) for m in page],
        "has_more": has_more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": _cursor(start + limit) if has_more else ""},
    }


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _cursor_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "offset" and value.isdigit():
            return int(value)
    except ValueError:
        pass
    raise SlackError("invalid_cursor")


def chat_post_message(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.channel(args.text("channel"), by_name=True)
    text, blocks, metadata = _content(args, required=True)
    thread_ts = args.text("thread_ts")
    if thread_ts:
        try:
            parent = ws.message(channel.id, thread_ts)
        except SlackError:
            raise SlackError("thread_not_found") from None
        thread_ts = parent.thread_ts or parent.ts
    _take_rate_slot(ws, channel.id)
    message = ws.add_message(
        Message(channel.id, ws.next_ts(), text or "", blocks, metadata, thread_ts or None)
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.as_slack(include_metadata=True)}


def chat_update(ws: Workspace, args: Args) -> dict[str, Any]:
    """Replaces text; blocks and metadata stay unless given (an empty blocks array removes them)."""
    channel = ws.channel(args.text("channel"))
    message = ws.message(channel.id, args.text("ts"))
    if message.user != BOT_USER_ID:
        raise SlackError("cant_update_message")
    text, blocks, metadata = _content(args, required=False)
    _take_rate_slot(ws, channel.id)
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = blocks or None
    if metadata is not None:
        message.metadata = metadata
    message.edited_ts = ws.next_ts()
    message.updated_at = time.time()
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.as_slack(include_metadata=True),
    }


def chat_post_ephemeral(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.channel(args.text("channel"), by_name=True)
    user = ws.user(args.text("user") or "")
    if user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks, _ = _content(args, required=True)
    message_ts = ws.next_ts()
    ws.ephemerals.append(
        {"channel": channel.id, "user": user.id, "text": text, "blocks": blocks, "message_ts": message_ts}
    )
    return {"message_ts": message_ts}


def users_lookup_by_email(ws: Workspace, args: Args) -> dict[str, Any]:
    email = (args.text("email") or "").strip().lower()
    for user in ws.users.values():
        if user.email and user.email.lower() == email:
            return {"user": user.as_slack()}
    raise SlackError("users_not_found")


def users_info(ws: Workspace, args: Args) -> dict[str, Any]:
    return {"user": ws.user(args.text("user") or "").as_slack()}


def conversations_list(ws: Workspace, args: Args) -> dict[str, Any]:
    """Channels in creation order, a cursor page at a time; `types` public_channel and/or private_channel."""
    types = {t.strip() for t in (args.text("types") or "public_channel").split(",") if t.strip()}
    unknown = types - {"public_channel", "private_channel", "mpim", "im"}
    if unknown:
        raise SlackError("invalid_types", detail=f"unknown types: {', '.join(sorted(unknown))}")
    wanted = [
        c for c in ws.channels.values() if ("private_channel" if c.is_private else "public_channel") in types
    ]
    limit = min(max(args.number("limit", LIST_LIMIT_DEFAULT), 1), LIST_LIMIT_MAX)
    start = _cursor_offset(args.text("cursor"))
    more = start + limit < len(wanted)
    return {
        "channels": [c.as_slack() for c in wanted[start : start + limit]],
        "response_metadata": {"next_cursor": _cursor(start + limit) if more else ""},
    }


def conversations_info(ws: Workspace, args: Args) -> dict[str, Any]:
    return {"channel": ws.channel(args.text("channel")).as_slack()}


def conversations_join(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.channel(args.text("channel"))
    channel.members.add(BOT_USER_ID)
    return {"channel": channel.as_slack()}


def chat_get_permalink(ws: Workspace, args: Args) -> dict[str, Any]:
    """A link to the message on the fake's HTML view (Slack's would be on <team>.slack.com)."""
    channel = ws.channel(args.text("channel"))
    message = ws.message(channel.id, args.text("message_ts"))
    return {"channel": channel.id, "permalink": f"{ws.public_url}?channel={channel.id}#m{message.ts}"}


def views_open(ws: Workspace, args: Args) -> dict[str, Any]:
    """Opens a modal for a trigger_id the fake issued within the last 3 s; each trigger works once."""
    trigger_id = args.text("trigger_id") or ""
    if trigger_id not in ws.triggers:
        raise SlackError("invalid_trigger_id")
    if trigger_id in ws.used_triggers:
        raise SlackError("exchanged_trigger_id")
    if ws.clock.now() - ws.triggers[trigger_id] > TRIGGER_TTL_SECONDS:
        raise SlackError("expired_trigger_id")
    view = args.structured("view")
    errors = view_errors(view)
    if errors:
        raise SlackError("invalid_arguments", response_metadata={"messages": errors})
    ws.used_triggers.add(trigger_id)
    opened = dict(view, id=ws.new_id("V"), team_id=TEAM_ID, app_id=APP_ID, bot_id=BOT_ID)
    opened.setdefault("private_metadata", "")
    opened.setdefault("callback_id", "")
    ws.views.append({"trigger_id": trigger_id, "view": opened, "opened_at": ws.clock.now()})
    return {"view": opened}


def _content(args: Args, *, required: bool) -> tuple[str | None, list[dict[str, Any]] | None, Any]:
    text = args.text("text")
    blocks = args.structured("blocks")
    if blocks is not None:
        errors = block_errors(blocks)
        if errors:
            raise SlackError("invalid_blocks", errors=errors)
    if required and not text and not blocks:
        raise SlackError("no_text")
    if text is not None and len(text) > TEXT_MAX:
        raise SlackError("msg_too_long")
    metadata = args.structured("metadata")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return text, blocks, metadata


def _take_rate_slot(ws: Workspace, channel_id: str) -> None:
    now = ws.clock.now()
    retry_after = ws.rate.retry_after(channel_id, now)
    if retry_after is not None:
        ws.rate.reject(channel_id)
        raise RateLimited(retry_after)
    ws.rate.accept(channel_id, now)


METHODS: dict[str, Callable[[Workspace, Args], dict[str, Any]]] = {
    "auth.test": auth_test,
    "conversations.create": conversations_create,
    "conversations.setTopic": conversations_set_topic,
    "conversations.invite": conversations_invite,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.postEphemeral": chat_post_ephemeral,
    "users.lookupByEmail": users_lookup_by_email,
    "users.info": users_info,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.join": conversations_join,
    "chat.getPermalink": chat_get_permalink,
    "views.open": views_open,
}
assert METHODS.keys() >= RATE_LIMITED_METHODS
