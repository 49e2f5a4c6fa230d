"""The fake Slack Web API through the real slack-sdk WebClient: the calls and Slack's rules."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from demo.fake_slack.client import FakeSlack

ANNA, BEN = "U04ANNA001", "U04BEN0002"


def slack_error(call: object) -> str:
    assert isinstance(call, SlackApiError)
    return str(call.response["error"])


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    fake_slack.freeze_clock()
    fake_slack.set_rate(limit=1000)  # these tests are about the calls; test_rate_limit.py about pacing
    return fake_slack.web_client()


def test_auth_test_names_the_bot_and_refuses_other_tokens(fake_slack: FakeSlack, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == "U0BOT00001"
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-someone-else", base_url=fake_slack.base_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake_slack.base_url).auth_test()
    assert missing.value.response["error"] == "not_authed"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Inc-Upper", "invalid_name_specials"),
        ("inc db down", "invalid_name_specials"),
        ("inc.db", "invalid_name_specials"),
        ("inc-" + "x" * 77, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
        ("--", "invalid_name_punctuation"),
    ],
)
def test_conversations_create_enforces_slacks_name_rules(client: WebClient, name: str, error: str) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.conversations_create(name=name)
    assert refused.value.response["error"] == error


def test_conversations_create_takes_80_characters_and_refuses_a_taken_name(client: WebClient) -> None:
    name = "inc-20261201-42-" + "a" * 64
    assert len(name) == 80
    created = client.conversations_create(name=name)["channel"]
    assert created["name"] == name and created["id"].startswith("C")
    with pytest.raises(SlackApiError) as taken:
        client.conversations_create(name=name)
    assert taken.value.response["error"] == "name_taken"
    assert client.conversations_create(name=name[:-1] + "b")["channel"]["id"] != created["id"]


def test_conversations_list_pages_public_channels_oldest_first_with_their_creator(
    client: WebClient,
) -> None:
    client.conversations_create(name="list-public-a")
    client.conversations_create(name="list-private", is_private=True)
    client.conversations_create(name="list-public-b")
    seen, cursor = [], None
    while True:
        page = client.conversations_list(limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["channels"]) <= 2
        seen += page["channels"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    names = [c["name"] for c in seen]
    assert "list-private" not in names
    assert names.index("list-public-a") < names.index("list-public-b")
    assert {c["creator"] for c in seen if c["name"].startswith("list-")} == {"U0BOT00001"}
    private = client.conversations_list(types="private_channel")["channels"]
    assert [c["name"] for c in private] == ["list-private"]
    with pytest.raises(SlackApiError) as bad:
        client.conversations_list(types="public_channel,shared")
    assert slack_error(bad.value) == "invalid_types"


def test_history_shows_metadata_only_when_asked_for(client: WebClient) -> None:
    channel = client.conversations_create(name="inc-meta")["channel"]["id"]
    metadata = {"event_type": "obs_outbox", "event_payload": {"outbox_id": 17}}
    posted = client.chat_postMessage(channel=channel, text="card", metadata=metadata)
    assert posted["channel"] == channel
    with_metadata = client.conversations_history(channel=channel, include_all_metadata=True)
    assert with_metadata["messages"][0]["ts"] == posted["ts"]
    assert with_metadata["messages"][0]["metadata"] == metadata
    assert "metadata" not in client.conversations_history(channel=channel)["messages"][0]


def test_history_pages_newest_first_between_oldest_and_latest(
    client: WebClient, fake_slack: FakeSlack
) -> None:
    channel = client.conversations_create(name="inc-pages")["channel"]["id"]
    stamps = [client.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(7)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 7

    seen, cursor = [], None
    while True:
        page = client.conversations_history(channel=channel, limit=3, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [f"m{i}" for i in reversed(range(7))]

    window = client.conversations_history(channel=channel, oldest=stamps[1], latest=stamps[4])
    assert [m["text"] for m in window["messages"]] == ["m3", "m2"]
    inclusive = client.conversations_history(
        channel=channel, oldest=stamps[1], latest=stamps[4], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2", "m1"]


def test_thread_replies_stay_out_of_history_and_come_back_from_replies(client: WebClient) -> None:
    channel = client.conversations_create(name="inc-thread")["channel"]["id"]
    parent = client.chat_postMessage(channel=channel, text="card")["ts"]
    client.chat_postMessage(channel=channel, text="acknowledged by Anna", thread_ts=parent)
    history = client.conversations_history(channel=channel)["messages"]
    assert [m["text"] for m in history] == ["card"] and history[0]["reply_count"] == 1
    replies = client.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["card", "acknowledged by Anna"]
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel=channel, text="lost", thread_ts="1.000001")
    assert unknown.value.response["error"] == "thread_not_found"


def test_chat_update_edits_in_place_keeping_blocks_and_metadata_not_given(client: WebClient) -> None:
    channel = client.conversations_create(name="inc-update")["channel"]["id"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Triggered*"}}]
    metadata = {"event_type": "obs_outbox", "event_payload": {"outbox_id": 3}}
    ts = client.chat_postMessage(channel=channel, text="Triggered", blocks=blocks, metadata=metadata)["ts"]
    client.chat_update(channel=channel, ts=ts, text="Acknowledged")
    [message] = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert (message["text"], message["blocks"], message["metadata"]) == ("Acknowledged", blocks, metadata)
    assert "edited" in message
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel=channel, ts="1.000002", text="x")
    assert missing.value.response["error"] == "message_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_refuses_what_slack_refuses(client: WebClient) -> None:
    channel = client.conversations_create(name="inc-refuse")["channel"]["id"]
    cases: dict[str, dict[str, Any]] = {
        "no content": {},
        "long section": {
            "text": "x",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        },
        "long button": {
            "text": "x",
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}
                    ],
                }
            ],
        },
        "bad metadata": {"text": "x", "metadata": {"event_type": "obs"}},
    }
    errors = {}
    for label, kwargs in cases.items():
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=channel, **kwargs)
        errors[label] = refused.value.response["error"]
    assert errors == {
        "no content": "no_text",
        "long section": "invalid_blocks",
        "long button": "invalid_blocks",
        "bad metadata": "invalid_metadata_format",
    }
    with pytest.raises(SlackApiError) as nowhere:
        client.chat_postMessage(channel="C9999999999", text="x")
    assert nowhere.value.response["error"] == "channel_not_found"


def test_only_posting_takes_a_channel_name_the_rest_want_its_id(
    client: WebClient, fake_slack: FakeSlack
) -> None:
    alerts = fake_slack.channel("alerts")["id"]
    posted = client.chat_postMessage(channel="#alerts", text="x")
    assert posted["channel"] == alerts
    refused = {}
    for name, call in {
        "chat.update": lambda: client.chat_update(channel="#alerts", ts=posted["ts"], text="y"),
        "conversations.history": lambda: client.conversations_history(channel="#alerts"),
        "conversations.replies": lambda: client.conversations_replies(channel="alerts", ts=posted["ts"]),
    }.items():
        with pytest.raises(SlackApiError) as by_name:
            call()
        refused[name] = (by_name.value.response["error"], alerts in by_name.value.response["detail"])
    assert set(refused.values()) == {("channel_not_found", True)}
    assert client.conversations_history(channel=alerts)["messages"][0]["ts"] == posted["ts"]


def test_invite_fails_whole_when_anyone_is_already_in_unless_forced(client: WebClient) -> None:
    channel = client.conversations_create(name="inc-invite")["channel"]["id"]
    client.conversations_invite(channel=channel, users=[ANNA])
    with pytest.raises(SlackApiError) as already:
        client.conversations_invite(channel=channel, users=[ANNA, BEN])
    assert already.value.response["error"] == "already_in_channel"
    forced = client.conversations_invite(channel=channel, users=[ANNA, BEN], force=True)
    assert forced["channel"]["num_members"] == 3  # the bot, Anna, Ben
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_invite(channel=channel, users=["U0NOBODY99"])
    assert unknown.value.response["error"] == "user_not_found"


def test_set_topic_and_ephemeral_to_a_member(client: WebClient, fake_slack: FakeSlack) -> None:
    channel = client.conversations_create(name="inc-topic")["channel"]["id"]
    assert client.conversations_setTopic(channel=channel, topic="SEV1 db down")["channel"]["topic"][
        "value"
    ] == ("SEV1 db down")
    with pytest.raises(SlackApiError) as outsider:
        client.chat_postEphemeral(channel=channel, user=ANNA, text="only you")
    assert outsider.value.response["error"] == "user_not_in_channel"
    client.conversations_invite(channel=channel, users=[ANNA])
    client.chat_postEphemeral(channel=channel, user=ANNA, text="only you")
    assert [(e["user"], e["text"]) for e in fake_slack.ephemerals()] == [(ANNA, "only you")]
    assert fake_slack.messages(channel) == []


def test_lookup_by_email_finds_seeded_people(client: WebClient, fake_slack: FakeSlack) -> None:
    assert client.users_lookupByEmail(email="Anna.Schmidt@example.com")["user"]["id"] == ANNA
    with pytest.raises(SlackApiError) as unknown:
        client.users_lookupByEmail(email="nobody@example.com")
    assert unknown.value.response["error"] == "users_not_found"
    fake_slack.add_users({"id": "U0NEW00001", "name": "new", "email": "nobody@example.com"})
    assert client.users_lookupByEmail(email="nobody@example.com")["user"]["id"] == "U0NEW00001"


def test_every_call_is_recorded_with_params_and_response(client: WebClient, fake_slack: FakeSlack) -> None:
    channel = client.conversations_create(name="inc-log")["channel"]["id"]
    client.chat_postMessage(channel=channel, text="hello")
    calls = fake_slack.calls()
    assert [c["method"] for c in calls] == ["conversations.create", "chat.postMessage"]
    assert calls[1]["params"]["text"] == "hello" and calls[1]["response"]["ok"] is True
    assert "token" not in calls[1]["params"]
    assert [c["method"] for c in fake_slack.calls("chat.postMessage")] == ["chat.postMessage"]


def test_unknown_method_is_a_404_naming_it(fake_slack: FakeSlack) -> None:
    response = httpx.post(
        fake_slack.base_url + "chat.scheduleEverything", headers={"Authorization": "Bearer x"}
    )
    assert response.status_code == 404 and response.json()["req_method"] == "chat.scheduleEverything"


def test_html_view_shows_cards_escaped(client: WebClient, fake_slack: FakeSlack) -> None:
    channel = client.conversations_create(name="inc-html")["channel"]["id"]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "<script>alert(1)</script>"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*SEV1* <https://runbooks.example/db|runbook>"},
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "ack", "text": {"type": "plain_text", "text": "Acknowledge"}}
            ],
        },
    ]
    client.chat_postMessage(channel=channel, text="x", blocks=blocks)
    page = httpx.get(fake_slack.url, params={"channel": channel}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert '<a href="https://runbooks.example/db">runbook</a>' in page and "<b>SEV1</b>" in page
    assert "Acknowledge</button>" in page


def test_info_and_permalink_calls(client: WebClient, fake_slack: FakeSlack) -> None:
    channel = client.conversations_create(name="inc-info")["channel"]["id"]
    ts = client.chat_postMessage(channel=channel, text="card")["ts"]
    assert client.conversations_info(channel=channel)["channel"]["name"] == "inc-info"
    assert client.users_info(user=ANNA)["user"]["profile"]["email"] == "anna.schmidt@example.com"
    permalink = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    assert permalink == f"{fake_slack.url}?channel={channel}#m{ts}"
    assert httpx.get(permalink).status_code == 200


def test_admin_messages_carry_wall_clock_accept_and_edit_times(
    client: WebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.advance_clock(3600)  # the fake's clock is an hour ahead: these stay wall-clock
    channel = client.conversations_create(name="inc-latency")["channel"]["id"]
    before = time.time()
    ts = client.chat_postMessage(channel=channel, text="card")["ts"]
    posted = time.time()
    client.chat_update(channel=channel, ts=ts, text="card (acknowledged)")
    [message] = fake_slack.messages(channel)
    assert before <= message["posted_at"] <= posted <= message["updated_at"] <= time.time()
    assert float(ts) > before + 3500  # ts follow the fake clock


def test_html_view_shows_ephemerals_in_their_channel(client: WebClient, fake_slack: FakeSlack) -> None:
    channel = fake_slack.add_channel("alerts", members=[ANNA])["id"]
    client.chat_postEphemeral(channel=channel, user=ANNA, text="You are not *on call*")
    page = httpx.get(fake_slack.url, params={"channel": channel}).text
    assert f"only visible to {ANNA}" in page and "You are not <b>on call</b>" in page


def test_the_matrix_channels_and_alerts_exist_from_the_start(
    client: WebClient, fake_slack: FakeSlack
) -> None:
    names = {c["name"] for c in fake_slack.channels()}
    assert {"alerts", "alerts-platform", "inc-data", "incidents"} <= names
    with pytest.raises(SlackApiError) as taken:
        client.conversations_create(name="alerts-platform")
    assert taken.value.response["error"] == "name_taken"
    fake_slack.reset()
    assert {c["name"] for c in fake_slack.channels()} == names
