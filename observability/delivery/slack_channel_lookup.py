"""Finding an incident channel whose creation went through although its answer was lost.

`conversations.create` answers `name_taken` for a name an earlier, in-doubt attempt took. Slack has
no lookup by name, so the public channels are listed (`conversations.list`, a page of 1,000 at a
time); the channel is this incident's when this bot created it after the incident's row was queued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

LIST_PAGES = 50  # of 1,000 channels each
# Slack's clock against ours: this much skew still counts as "after the row was queued".
CLOCK_MARGIN_SECONDS = 60.0

Call = Callable[..., Awaitable[Any]]  # SlackSender._call: (method, where, /, **fields)


async def own_channel_named(call: Call, name: str, *, creator: str, since: datetime) -> str:
    """The id of the public channel `name` if `creator` made it since `since`, else ""."""
    oldest = since.timestamp() - CLOCK_MARGIN_SECONDS
    fields: dict[str, Any] = {"types": "public_channel", "exclude_archived": True, "limit": 1000}
    for _page in range(LIST_PAGES):
        response = await call("conversations.list", "", **fields)
        for found in response.get("channels", []):
            if found.get("name") == name:
                ours = found.get("creator") == creator and float(found.get("created", 0)) >= oldest
                return str(found["id"]) if ours else ""
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return ""
        fields["cursor"] = cursor
    return ""
