"""The fake workspace's state: users, channels, messages, views, ephemerals and the call log."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import DrivenClock
from .rules import Faults, RateWindow

if TYPE_CHECKING:
    from .response_urls import ResponseUrl

TEAM_ID = "T0FAKE0001"
TEAM_NAME = "Fake Workspace"
TEAM_DOMAIN = "fake-workspace"
BOT_USER_ID = "U0BOT00001"
BOT_ID = "B0BOT00001"
APP_ID = "A0FAKEAPP1"
TRIGGER_TTL_SECONDS = 3.0  # Slack: a trigger_id expires three seconds after the interaction


class SlackError(Exception):
    """A Web API error answered as HTTP 200 `{"ok": false, "error": <code>}` (plus optional fields)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class User:
    id: str
    name: str
    email: str | None = None
    real_name: str | None = None

    def as_slack(self) -> dict[str, Any]:
        real_name = self.real_name or self.name
        profile: dict[str, Any] = {"real_name": real_name, "display_name": self.name}
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "profile": profile,
        }


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    topic: str = ""
    members: set[str] = field(default_factory=set)

    def as_slack(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_private": self.is_private,
            "is_archived": False,
            "created": self.created,
            "creator": self.creator,
            "is_member": BOT_USER_ID in self.members,
            "topic": {"value": self.topic, "creator": self.creator, "last_set": self.created},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    metadata: dict[str, Any] | None
    thread_ts: str | None = None
    user: str = BOT_USER_ID
    edited_ts: str | None = None
    replies: list[str] = field(default_factory=list)  # ts of thread replies, oldest first
    # wall-clock seconds when stored and last edited, for latency measurements (admin API only)
    posted_at: float = field(default_factory=time.time)
    updated_at: float | None = None

    def as_slack(self, *, include_metadata: bool) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
            "team": TEAM_ID,
        }
        if self.user == BOT_USER_ID:
            message |= {"bot_id": BOT_ID, "app_id": APP_ID}
        if self.blocks is not None:
            message["blocks"] = self.blocks
        if self.thread_ts is not None:
            message["thread_ts"] = self.thread_ts
        if self.replies:
            message |= {
                "thread_ts": self.ts,
                "reply_count": len(self.replies),
                "latest_reply": self.replies[-1],
            }
        if self.edited_ts is not None:
            message["edited"] = {"user": self.user, "ts": self.edited_ts}
        if include_metadata and self.metadata is not None:
            message["metadata"] = self.metadata
        return message


@dataclass
class Workspace:
    """Everything the fake remembers, in memory; the admin reset swaps in a fresh one."""

    clock: DrivenClock = field(default_factory=DrivenClock)
    bot_token: str | None = None  # None: any xoxb- token is accepted
    signing_secret: str = "fake-signing-secret"
    events_url: str | None = None
    public_url: str = "http://127.0.0.1/"  # where the fake's HTML view is, for permalinks
    rate: RateWindow = field(default_factory=RateWindow)
    faults: Faults = field(default_factory=Faults)
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, list[Message]] = field(default_factory=dict)  # per channel, oldest first
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    triggers: dict[str, float] = field(default_factory=dict)  # trigger_id -> issued at (fake clock)
    used_triggers: set[str] = field(default_factory=set)
    responses: dict[str, ResponseUrl] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # what the fake sent to the app
    calls: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_ts_micros: int = 0

    # --- identifiers -----------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def next_ts(self) -> str:
        """A message ts from the fake clock, strictly increasing across the workspace like Slack's."""
        micros = max(int(self.clock.now() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # --- look-ups ----------------------------------------------------------------------------------

    def channel(self, ref: str | None, *, by_name: bool = False) -> Channel:
        """A channel by ID; by name (with or without '#') only where Slack takes one (chat.postMessage)."""
        if ref and ref in self.channels:
            return self.channels[ref]
        named = next((c for c in self.channels.values() if ref and c.name == ref.removeprefix("#")), None)
        if named is None:
            raise SlackError("channel_not_found")
        if not by_name:  # Slack says only channel_not_found; the detail is the fake's, to save a search
            raise SlackError(
                "channel_not_found", detail=f"this method takes the channel ID {named.id}, not {ref!r}"
            )
        return named

    def user(self, user_id: str) -> User:
        if user_id not in self.users:
            raise SlackError("user_not_found")
        return self.users[user_id]

    def message(self, channel_id: str, ts: str | None) -> Message:
        for message in self.messages.get(channel_id, []):
            if message.ts == ts:
                return message
        raise SlackError("message_not_found")

    # --- changes -----------------------------------------------------------------------------------

    def add_channel(self, name: str, *, is_private: bool = False, creator: str = BOT_USER_ID) -> Channel:
        if any(c.name == name for c in self.channels.values()):
            raise SlackError("name_taken")
        channel = Channel(
            self.new_id("C"), name, int(self.clock.now()), creator, is_private, members={BOT_USER_ID}
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def add_message(self, message: Message) -> Message:
        """Stores a message (a reply under its parent, which must exist in the channel)."""
        parent = self.message(message.channel, message.thread_ts) if message.thread_ts is not None else None
        self.messages[message.channel].append(message)
        if parent is not None:
            parent.replies.append(message.ts)
        return message

    def issue_trigger(self) -> str:
        trigger_id = f"{next(self._ids)}.{TEAM_ID}.fake{next(self._ids)}"
        self.triggers[trigger_id] = self.clock.now()
        return trigger_id
