"""The outage switches: 500s, 429s, timeouts, message_limit_exceeded, and posts accepted but not answered."""

from __future__ import annotations

import time
import urllib.error

import pytest
from slack_sdk.errors import SlackApiError

from demo.fake_slack.client import FakeSlack, FakeSlackError

OUTBOX = {"event_type": "obs_outbox", "event_payload": {"outbox_id": 99}}


@pytest.fixture
def channel(fake_slack: FakeSlack) -> str:
    fake_slack.freeze_clock()
    fake_slack.set_rate(limit=1000)
    return str(fake_slack.web_client().conversations_create(name="inc-outage")["channel"]["id"])


def test_a_two_minute_500_outage_ends_when_the_fake_clock_passes_it(
    fake_slack: FakeSlack, channel: str
) -> None:
    fake_slack.set_fault("500", ["chat.postMessage", "chat.update"], duration=120)
    client = fake_slack.web_client()
    with pytest.raises(SlackApiError) as down:
        client.chat_postMessage(channel=channel, text="card")
    assert down.value.response.status_code == 500
    fake_slack.advance_clock(119)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=channel, text="card")
    assert client.conversations_history(channel=channel)["ok"] is True  # other methods still answer
    fake_slack.advance_clock(1)
    client.chat_postMessage(channel=channel, text="card")
    assert [m["text"] for m in fake_slack.messages(channel)] == ["card"]
    assert [c["fault"] for c in fake_slack.calls("chat.postMessage")] == ["500", "500", None]


def test_message_limit_exceeded_is_http_200_with_ok_false(fake_slack: FakeSlack, channel: str) -> None:
    fake_slack.set_fault("message_limit_exceeded", ["chat.postMessage"], count=1)
    client = fake_slack.web_client()
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=channel, text="card")
    assert limited.value.response.status_code == 200
    assert limited.value.response["error"] == "message_limit_exceeded"
    client.chat_postMessage(channel=channel, text="card")  # count=1: only the next call failed
    assert len(fake_slack.messages(channel)) == 1


def test_a_timeout_holds_the_call_past_the_clients_timeout_and_stores_nothing(
    fake_slack: FakeSlack, channel: str
) -> None:
    fake_slack.set_fault("timeout", ["chat.postMessage"], hold_seconds=5)
    client = fake_slack.web_client(timeout=0.5)
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        client.chat_postMessage(channel=channel, text="card")
    assert time.monotonic() - started < 4
    fake_slack.clear_faults()  # lets the held request go at once
    assert fake_slack.messages(channel) == []


def test_accepted_then_500_stores_the_post_so_history_metadata_can_reconcile_it(
    fake_slack: FakeSlack, channel: str
) -> None:
    fake_slack.set_fault("accept_then_500", ["chat.postMessage"], count=1)
    client = fake_slack.web_client()
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel=channel, text="card", metadata=OUTBOX)
    assert unknown.value.response.status_code == 500
    history = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert [m["metadata"] for m in history] == [OUTBOX]
    [call] = fake_slack.calls("chat.postMessage")
    assert call["accepted"]["ts"] == history[0]["ts"]


def test_accepted_then_timeout_stores_the_post_the_client_never_hears_of(
    fake_slack: FakeSlack, channel: str
) -> None:
    fake_slack.set_fault("accept_then_timeout", ["chat.postMessage"], hold_seconds=5)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        fake_slack.web_client(timeout=0.5).chat_postMessage(channel=channel, text="card", metadata=OUTBOX)
    fake_slack.clear_faults()
    assert [m.get("metadata") for m in fake_slack.messages(channel)] == [OUTBOX]


def test_a_fault_without_methods_hits_every_method_until_its_end(fake_slack: FakeSlack, channel: str) -> None:
    [fault] = fake_slack.set_fault("429", retry_after=3, until=fake_slack.now() + 30)
    assert fault["live"] is True
    with pytest.raises(SlackApiError) as limited:
        fake_slack.web_client().auth_test()
    assert limited.value.response.status_code == 429
    fake_slack.advance_clock(30)
    assert fake_slack.web_client().auth_test()["ok"] is True
    assert [f["live"] for f in fake_slack.set_fault("none")] == []


def test_a_bad_fault_is_refused_with_the_reason(fake_slack: FakeSlack) -> None:
    with pytest.raises(FakeSlackError, match="mode must be one of"):
        fake_slack.set_fault("502")


def test_stacked_faults_make_a_sequence_500_then_429_then_recovery(
    fake_slack: FakeSlack, channel: str
) -> None:
    fake_slack.set_fault("500", ["chat.postMessage"], duration=60)
    fake_slack.set_fault("429", ["chat.postMessage"], duration=120, retry_after=5)
    client = fake_slack.web_client()
    statuses = []
    for step in (59, 1, 59, 1):
        try:
            statuses.append(client.chat_postMessage(channel=channel, text="card").status_code)
        except SlackApiError as failed:
            statuses.append(failed.response.status_code)
        fake_slack.advance_clock(step)
    statuses.append(client.chat_postMessage(channel=channel, text="card").status_code)
    assert statuses == [500, 500, 429, 429, 200]  # at t = 0, 59, 60, 119, 120
