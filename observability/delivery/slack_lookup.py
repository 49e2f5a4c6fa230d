"""Reading Slack back: channels by name, the bot's own user, and a row's earlier post by its metadata.

What makes delivery exactly once after a crash or an answer that never came: before posting a row
again, the sender looks for the post it may have made (`find_post`); before taking the next channel
name after `name_taken`, it checks whether the taken name is the channel it created itself
(`ChannelDirectory.own_channel`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

METADATA_EVENT = "obs_outbox"
HISTORY_PAGES = 5
LIST_PAGES = 20  # 20,000 channels at 1,000 a page
LIST_TYPES = "public_channel,private_channel"
# Slack's clock against ours: a channel made this much before the row was queued still counts.
CLOCK_MARGIN_SECONDS = 60.0

# (method, where, fields) -> the response: the sender's call, which keeps its rate-limit holds
Call = Callable[..., Awaitable[Any]]


class ChannelDirectory:
    """Channel ids by name (`conversations.list`) and the bot's user id (`auth.test`), cached."""

    def __init__(self, call: Call) -> None:
        self._call = call
        self._by_name: dict[str, dict[str, Any]] = {}
        self._bot_user_id = ""

    async def named(self, name: str) -> dict[str, Any] | None:
        """The channel called `name` ('#' optional), or None when no page of the list has it."""
        name = name.removeprefix("#")
        if name in self._by_name:
            return self._by_name[name]
        fields: dict[str, Any] = {"types": LIST_TYPES, "exclude_archived": True, "limit": 1000}
        for _page in range(LIST_PAGES):
            response = await self._call("conversations.list", "", **fields)
            for channel in response.get("channels", []):
                self._by_name[str(channel.get("name", ""))] = channel
            if name in self._by_name:
                return self._by_name[name]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            fields["cursor"] = cursor
        log.warning("no channel named %s in the first %d pages of conversations.list", name, LIST_PAGES)
        return None

    async def bot_user_id(self) -> str:
        if not self._bot_user_id:
            self._bot_user_id = str((await self._call("auth.test", ""))["user_id"])
        return self._bot_user_id

    async def own_channel(self, name: str, since: datetime) -> str | None:
        """The id of the channel `name` if this bot created it since `since` (when the row was queued):
        a create whose answer was lost, not an older channel of the same name."""
        channel = await self.named(name)
        if channel is None or channel.get("creator") != await self.bot_user_id():
            return None
        if float(channel.get("created", 0)) < since.timestamp() - CLOCK_MARGIN_SECONDS:
            return None
        return str(channel["id"])


async def find_post(
    call: Call,
    directory: ChannelDirectory,
    channel: str,
    message_id: int,
    since: datetime,
    thread_ts: str = "",
) -> tuple[str, str] | None:
    """(channel id, ts) of the message outbox row `message_id` posted before, if it did (by metadata).

    History is read by channel id; a shared channel known only by name is looked up first.
    """
    if channel.startswith("#"):
        found = await directory.named(channel)
        if found is None:
            return None  # no such channel yet, so no earlier post in it
        channel = str(found["id"])
    method = "conversations.replies" if thread_ts else "conversations.history"
    fields: dict[str, Any] = {
        "channel": channel,
        "include_all_metadata": True,
        "oldest": f"{(since - timedelta(minutes=1)).timestamp():.6f}",
        "limit": 200,
    }
    if thread_ts:
        fields["ts"] = thread_ts
    for _page in range(HISTORY_PAGES):
        response = await call(method, channel, **fields)
        for posted in response.get("messages", []):
            metadata = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            ours = metadata.get("event_type") == METADATA_EVENT
            if ours and int(payload.get("outbox_id", -1)) == message_id:
                return str(response.get("channel") or channel), str(posted["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
        fields["cursor"] = cursor
    return None
