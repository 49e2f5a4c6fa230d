"""A small client for the fake's admin API, and a way to run the fake as a subprocess.

with FakeSlackProcess.start(port, log_path, signing_secret="s") as fake:
    WebClient(token=fake.bot_token, base_url=fake.base_url).chat_postMessage(...)
    fake.messages("C0000000001"); fake.set_fault("500", duration=120); fake.advance_clock(121)
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from demo.processes import spawn, stop_all, wait_ready

DEFAULT_BOT_TOKEN = "xoxb-fake-bot-token"


class FakeSlackError(RuntimeError):
    """The fake answered an admin call with an error."""


@dataclass
class FakeSlack:
    """Admin helpers over HTTP; `base_url` is what slack-sdk's clients take (it ends with `/`)."""

    url: str  # e.g. http://127.0.0.1:8090/
    signing_secret: str
    bot_token: str = DEFAULT_BOT_TOKEN
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0), repr=False)

    @property
    def base_url(self) -> str:
        return f"{self.url}api/"

    def web_client(self, **kwargs: Any) -> Any:
        from slack_sdk import WebClient

        return WebClient(token=self.bot_token, base_url=self.base_url, **kwargs)

    def async_web_client(self, **kwargs: Any) -> Any:
        from slack_sdk.web.async_client import AsyncWebClient

        return AsyncWebClient(token=self.bot_token, base_url=self.base_url, **kwargs)

    # --- reading -----------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        return self._get("calls", {"method": method} if method else None)

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Stored messages (thread replies too), oldest first, with metadata; `channel` is id or name."""
        return self._get("messages", {"channel": channel} if channel else None)

    def channels(self) -> list[dict[str, Any]]:
        return self._get("channels")

    def channel(self, name: str) -> dict[str, Any]:
        for channel in self.channels():
            if channel["name"] == name:
                return channel
        raise FakeSlackError(f"no channel named {name!r}")

    def ephemerals(self) -> list[dict[str, Any]]:
        return self._get("ephemerals")

    def views(self) -> list[dict[str, Any]]:
        return self._get("views")

    def responses(self) -> list[dict[str, Any]]:
        """Each response_url the fake issued (id, channel, user, message_ts) and the app's posts to it."""
        return self._get("responses")

    def deliveries(self) -> list[dict[str, Any]]:
        return self._get("deliveries")

    def rate(self) -> dict[str, Any]:
        """Per channel: accepted, max_in_window, rejected, exceeded (any window above the limit)."""
        return self._get("rate")

    # --- driving -------------------------------------------------------------------------------------

    def reset(self) -> None:
        self._post("reset", {})

    def set_fault(self, mode: str, methods: Sequence[str] = (), **options: Any) -> list[dict[str, Any]]:
        """mode: 500, 429, timeout, message_limit_exceeded, accept_then_500, accept_then_timeout, none.

        options: retry_after (429), until (fake epoch) or duration (seconds of fake clock), count
        (the next N matching calls), hold_seconds (timeouts; at most 60).
        """
        return self._post("faults", {"mode": mode, "methods": list(methods), **options})

    def clear_faults(self) -> None:
        self.set_fault("none")

    def advance_clock(self, seconds: float) -> float:
        return float(self._post("clock", {"advance": seconds})["now"])

    def freeze_clock(self, frozen: bool = True) -> float:
        return float(self._post("clock", {"freeze": frozen})["now"])

    def now(self) -> float:
        return float(self._get("clock")["now"])

    def set_rate(self, limit: int = 1, window: float = 1.0, enforce: bool = True) -> dict[str, Any]:
        return self._post("rate", {"limit": limit, "window": window, "enforce": enforce})

    def add_users(self, *users: dict[str, Any]) -> None:
        self._post("users", {"users": list(users)})

    def add_channel(self, name: str, members: Sequence[str] = (), creator: str = "") -> dict[str, Any]:
        """A channel that exists before the app runs (e.g. the shared alerts channel); by the bot
        unless `creator` names someone else."""
        return self._post("channels", {"name": name, "members": list(members), "creator": creator})

    def configure(self, **settings: Any) -> None:
        """events_url, signing_secret, bot_token."""
        self._post("config", settings)

    # --- sending to the app, signed like Slack ----------------------------------------------------

    def send_command(
        self, text: str, *, user_id: str, channel_id: str, command: str = "/incident", **options: Any
    ) -> dict[str, Any]:
        """A slash command. options: stale, timestamp, bad_signature, retry_num, retry_reason, url, timeout.

        Returns status, body (the app's answer), delivery (id for `replay`), trigger_id, request.
        """
        spec = {"command": command, "text": text, "user_id": user_id, "channel_id": channel_id}
        return self._post("send/command", spec | options)

    def send_action(
        self, action_id: str, *, user_id: str, channel_id: str, message_ts: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """A block_actions click on the button `action_id` of message `message_ts` (value found there)."""
        spec = {
            "action_id": action_id,
            "user_id": user_id,
            "channel_id": channel_id,
            "message_ts": message_ts,
        }
        return self._post("send/action", spec | options)

    def submit_view(
        self, values: dict[str, dict[str, Any]], *, user_id: str, view_id: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """A view_submission of an opened modal (the last one by default); values: block → action → text."""
        spec = {"values": values, "user_id": user_id, "view_id": view_id}
        return self._post("send/view_submission", spec | options)

    def send_event(self, event: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
        """An Events API event_callback around `event` (JSON); `url_verification=True`: the challenge."""
        return self._post("send/event", {"event": event} | options)

    def replay(
        self, delivery: int, *, retry_num: int = 1, retry_reason: str = "http_timeout", **options: Any
    ) -> dict[str, Any]:
        """Slack's retry of an earlier delivery: the same body with X-Slack-Retry-Num/Reason."""
        spec = {"delivery": delivery, "retry_num": retry_num, "retry_reason": retry_reason}
        return self._post("send/replay", spec | options)

    # --- plumbing ----------------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self._check(self._http.get(f"{self.url}_admin/{path}", params=params))

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return self._check(self._http.post(f"{self.url}_admin/{path}", json=body))

    @staticmethod
    def _check(response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise FakeSlackError(f"{response.request.url}: HTTP {response.status_code} {response.text}")
        return response.json()

    def close(self) -> None:
        self._http.close()


def command_line(
    port: int,
    signing_secret: str,
    bot_token: str,
    *,
    events_url: str | None = None,
    users: Path | None = None,
    channels: Sequence[str] = (),
    channels_from: Path | None = None,
) -> list[str]:
    """The argv that starts the fake (`python -m demo.fake_slack ...`)."""
    argv = [sys.executable, "-m", "demo.fake_slack", "--port", str(port)]
    argv += ["--signing-secret", signing_secret, "--bot-token", bot_token]
    argv += ["--events-url", events_url] if events_url else []
    argv += ["--users", str(users)] if users else []
    for name in channels:
        argv += ["--channel", name]
    argv += ["--channels-from", str(channels_from)] if channels_from else []
    return argv


@contextlib.contextmanager
def run_fake_slack(
    port: int,
    log_dir: Path,
    *,
    signing_secret: str = "fake-signing-secret",
    bot_token: str = DEFAULT_BOT_TOKEN,
    events_url: str | None = None,
    users: Path | None = None,
    channels: Sequence[str] = (),
    channels_from: Path | None = None,
) -> Iterator[FakeSlack]:
    """The fake as a child process logging to <log_dir>/fake-slack.log; ready on enter, stopped by PID."""
    argv = command_line(
        port,
        signing_secret,
        bot_token,
        events_url=events_url,
        users=users,
        channels=channels,
        channels_from=channels_from,
    )
    url = f"http://127.0.0.1:{port}"
    component = spawn("fake-slack", argv, log_dir=log_dir, url=url)
    fake = FakeSlack(f"{url}/", signing_secret, bot_token)
    try:
        wait_ready(component, "/healthz")
        yield fake
    finally:
        fake.close()
        stop_all([component])
