"""About one message per second per channel: 429 with Retry-After, honoured by slack-sdk's retry handler."""

from __future__ import annotations

import asyncio
import types

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers, builtin_handlers
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from demo.fake_slack.client import FakeSlack


def test_a_second_message_within_the_second_gets_429_with_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.freeze_clock()
    client = fake_slack.web_client()
    channel = client.conversations_create(name="inc-rate")["channel"]["id"]
    other = client.conversations_create(name="inc-rate-other")["channel"]["id"]
    ts = client.chat_postMessage(channel=channel, text="card")["ts"]
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=channel, text="too soon")
    assert limited.value.response.status_code == 429
    assert limited.value.response["error"] == "ratelimited"
    assert limited.value.response.headers["Retry-After"] == "1"
    with pytest.raises(SlackApiError):
        client.chat_update(channel=channel, ts=ts, text="an edit counts too")
    client.chat_postMessage(channel=other, text="another channel has its own window")

    fake_slack.advance_clock(1.0)
    client.chat_update(channel=channel, ts=ts, text="now it fits")

    report = fake_slack.rate()["channels"]
    assert report[channel] == {"accepted": 2, "max_in_window": 1, "rejected": 2, "exceeded": False}
    assert [m["text"] for m in fake_slack.messages(channel)] == ["now it fits"]


def test_retry_after_counts_down_to_when_the_window_frees(fake_slack: FakeSlack) -> None:
    fake_slack.freeze_clock()
    fake_slack.set_rate(limit=3, window=10.0)
    client = fake_slack.web_client()
    channel = client.conversations_create(name="inc-window")["channel"]["id"]
    for i in range(3):
        client.chat_postMessage(channel=channel, text=f"m{i}")
        fake_slack.advance_clock(2.0)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=channel, text="fourth")
    assert limited.value.response.headers["Retry-After"] == "4"  # the first left at t=0, frees at t=10
    fake_slack.advance_clock(4.0)
    client.chat_postMessage(channel=channel, text="fourth")


def test_unenforced_rate_accepts_everything_and_reports_the_excess(fake_slack: FakeSlack) -> None:
    fake_slack.freeze_clock()
    fake_slack.set_rate(enforce=False)
    client = fake_slack.web_client()
    channel = client.conversations_create(name="inc-burst")["channel"]["id"]
    for i in range(3):
        client.chat_postMessage(channel=channel, text=f"m{i}")
    assert fake_slack.rate()["channels"][channel] == {
        "accepted": 3,
        "max_in_window": 3,
        "rejected": 0,
        "exceeded": True,
    }


class DrivenSleep:
    """Stands in for slack-sdk's sleep: advances the fake's clock instead of waiting, and remembers."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.fake.advance_clock(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def driven(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> DrivenSleep:
    """slack-sdk's retry handlers (sync and async) sleep on the fake's frozen clock."""
    sleep = DrivenSleep(fake_slack)
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=sleep.sleep))
    monkeypatch.setattr(builtin_async_handlers, "asyncio", types.SimpleNamespace(sleep=sleep.async_sleep))
    fake_slack.freeze_clock()
    return sleep


def test_slack_sdk_rate_limit_handler_waits_the_retry_after_then_posts(
    fake_slack: FakeSlack, driven: DrivenSleep
) -> None:
    channel = fake_slack.web_client().conversations_create(name="inc-retry")["channel"]["id"]
    fake_slack.set_fault("429", ["chat.postMessage"], retry_after=7, duration=5)

    client = fake_slack.web_client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert client.chat_postMessage(channel=channel, text="card")["ok"] is True

    assert len(driven.slept) == 1 and 7 <= driven.slept[0] < 8
    assert [c["status"] for c in fake_slack.calls("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in fake_slack.messages(channel)] == ["card"]


def test_without_a_retry_handler_the_429_reaches_the_caller(fake_slack: FakeSlack) -> None:
    channel = fake_slack.web_client().conversations_create(name="inc-no-retry")["channel"]["id"]
    fake_slack.set_fault("429", ["chat.postMessage"], retry_after=30)
    with pytest.raises(SlackApiError) as limited:
        fake_slack.web_client().chat_postMessage(channel=channel, text="card")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "30"
    assert fake_slack.messages(channel) == []


def test_async_client_rate_limit_handler_honours_retry_after(
    fake_slack: FakeSlack, driven: DrivenSleep
) -> None:

    async def post_twice() -> list[str]:
        client = fake_slack.async_web_client(
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
        )
        channel = (await client.conversations_create(name="inc-async"))["channel"]["id"]
        first = await client.chat_postMessage(channel=channel, text="card")
        second = await client.chat_postMessage(channel=channel, text="thread line", thread_ts=first["ts"])
        return [first["ts"], second["ts"]]

    stamps = asyncio.run(post_twice())
    assert len(stamps) == 2
    assert len(driven.slept) == 1 and 1 <= driven.slept[0] < 2  # the fake's own 1/s window
    assert [c["status"] for c in fake_slack.calls("chat.postMessage")] == [200, 429, 200]
