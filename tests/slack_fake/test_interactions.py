"""Commands, clicks and modal submissions the fake sends, signed as Slack signs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from demo.fake_slack.client import FakeSlack, FakeSlackError
from tests.fakes.threaded_server import serve_in_thread

ANNA = "U04ANNA001"
CARD = [
    {"type": "section", "block_id": "summary", "text": {"type": "mrkdwn", "text": "*SEV1* database down"}},
    {
        "type": "actions",
        "block_id": "incident-actions",
        "elements": [
            {
                "type": "button",
                "action_id": "incident_ack",
                "value": "42",
                "text": {"type": "plain_text", "text": "Acknowledge"},
            },
            {
                "type": "button",
                "action_id": "incident_note",
                "value": "42",
                "text": {"type": "plain_text", "text": "Add note"},
            },
        ],
    },
]


class Receiver:
    """An app endpoint that checks Slack's signature with slack-sdk's SignatureVerifier, 401 if wrong."""

    def __init__(self, signing_secret: str) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.received: list[dict[str, Any]] = []

    async def endpoint(self, request: Request) -> Response:
        body = (await request.body()).decode()
        valid = self.verifier.is_valid_request(body, dict(request.headers))
        self.received.append({"body": body, "headers": dict(request.headers), "valid": valid})
        if not valid:
            return PlainTextResponse("invalid signature", status_code=401)
        return PlainTextResponse("received")


@pytest.fixture
def receiver(fake_slack: FakeSlack) -> Iterator[Receiver]:
    app_receiver = Receiver(fake_slack.signing_secret)
    app = Starlette(routes=[Route("/slack/events", app_receiver.endpoint, methods=["POST"])])
    with serve_in_thread(app) as url:
        fake_slack.configure(events_url=f"{url}/slack/events")
        yield app_receiver


def test_a_command_arrives_form_encoded_and_validly_signed(fake_slack: FakeSlack, receiver: Receiver) -> None:
    result = fake_slack.send_command("resolve fixed by rollback", user_id=ANNA, channel_id="C0000000001")
    assert (result["status"], result["body"]) == (200, "received")
    [got] = receiver.received
    assert got["valid"] is True
    assert got["headers"]["content-type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(got["body"]).items()}
    assert form["command"] == "/incident" and form["text"] == "resolve fixed by rollback"
    assert form["user_id"] == ANNA and form["user_name"] == "Anna Schmidt"
    assert form["trigger_id"] == result["trigger_id"]
    assert form["response_url"].startswith(fake_slack.url + "response/")


@pytest.mark.parametrize("option", ["bad_signature", "stale"])
def test_a_bad_signature_or_a_stale_timestamp_fails_slack_sdks_verifier(
    fake_slack: FakeSlack, receiver: Receiver, option: str
) -> None:
    result = fake_slack.send_command(
        "ack",
        user_id=ANNA,
        channel_id="C0000000001",
        stale=option == "stale",
        bad_signature=option == "bad_signature",
    )
    assert result["status"] == 401 and receiver.received[0]["valid"] is False


def test_a_replay_is_the_same_body_with_slacks_retry_headers(
    fake_slack: FakeSlack, receiver: Receiver
) -> None:
    first = fake_slack.send_command("ack", user_id=ANNA, channel_id="C0000000001")
    again = fake_slack.replay(first["delivery"], retry_num=1, retry_reason="http_timeout")
    assert again["status"] == 200
    original, retry = receiver.received
    assert retry["body"] == original["body"] and retry["valid"] is True
    assert (retry["headers"]["x-slack-retry-num"], retry["headers"]["x-slack-retry-reason"]) == (
        "1",
        "http_timeout",
    )
    assert "x-slack-retry-num" not in original["headers"]


def test_a_click_on_an_unknown_button_is_refused(fake_slack: FakeSlack, receiver: Receiver) -> None:
    fake_slack.freeze_clock()
    channel = fake_slack.web_client().conversations_create(name="inc-click")["channel"]["id"]
    ts = fake_slack.web_client().chat_postMessage(channel=channel, text="card", blocks=CARD)["ts"]
    with pytest.raises(FakeSlackError, match="no element with action_id 'incident_explode'"):
        fake_slack.send_action("incident_explode", user_id=ANNA, channel_id=channel, message_ts=ts)
    assert receiver.received == []


def test_views_open_needs_a_fresh_trigger_id_used_once(fake_slack: FakeSlack, receiver: Receiver) -> None:
    fake_slack.freeze_clock()
    client = fake_slack.web_client()
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Add note"}, "blocks": []}
    errors = {}
    with pytest.raises(SlackApiError) as made_up:
        client.views_open(trigger_id="123.456.abc", view=view)
    errors["made up"] = made_up.value.response["error"]
    trigger = fake_slack.send_command("note", user_id=ANNA, channel_id="C0000000001")["trigger_id"]
    long_title = dict(view, title={"type": "plain_text", "text": "A title longer than 24 chars"})
    with pytest.raises(SlackApiError) as too_long:
        client.views_open(trigger_id=trigger, view=long_title)
    errors["long title"] = too_long.value.response["error"]
    assert client.views_open(trigger_id=trigger, view=view)["view"]["id"].startswith("V")
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=trigger, view=view)
    errors["reused"] = reused.value.response["error"]
    late = fake_slack.send_command("note", user_id=ANNA, channel_id="C0000000001")["trigger_id"]
    fake_slack.advance_clock(3.5)
    with pytest.raises(SlackApiError) as expired:
        client.views_open(trigger_id=late, view=view)
    errors["late"] = expired.value.response["error"]
    assert errors == {
        "made up": "invalid_trigger_id",
        "long title": "invalid_arguments",
        "reused": "exchanged_trigger_id",
        "late": "expired_trigger_id",
    }


def bolt_app(fake: FakeSlack) -> AsyncApp:
    """A slack-bolt app wired to the fake: ack replaces the card, note opens a modal, /incident answers."""
    # process_before_response: the listener finishes before the HTTP answer, so the test need not poll
    app = AsyncApp(
        signing_secret=fake.signing_secret, client=fake.async_web_client(), process_before_response=True
    )

    @app.action("incident_ack")
    async def ack_incident(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        who, incident = body["user"]["id"], body["actions"][0]["value"]
        await respond(replace_original=True, text=f"Incident {incident} acknowledged by <@{who}>")

    @app.action("incident_note")
    async def open_note(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "incident_note",
                "private_metadata": body["actions"][0]["value"],
                "title": {"type": "plain_text", "text": "Add note"},
                "submit": {"type": "plain_text", "text": "Save"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "note",
                        "label": {"type": "plain_text", "text": "Note"},
                        "element": {"type": "plain_text_input", "action_id": "text"},
                    }
                ],
            },
        )

    @app.view("incident_note")
    async def save_note(ack: Any, view: dict[str, Any], client: Any) -> None:
        await ack()
        note = view["state"]["values"]["note"]["text"]["value"]
        await client.chat_postMessage(channel="#inc-bolt", text=f"note on {view['private_metadata']}: {note}")

    @app.event("app_mention")
    async def mentioned(event: dict[str, Any], say: Any) -> None:
        await say(text="on it", thread_ts=event["ts"])

    @app.command("/incident")
    async def incident(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(f"you said {command['text']}")

    return app


@pytest.fixture
def bolt(fake_slack: FakeSlack) -> Iterator[None]:
    fake_slack.freeze_clock()
    handler = AsyncSlackRequestHandler(bolt_app(fake_slack))

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    with serve_in_thread(Starlette(routes=[Route("/slack/events", events, methods=["POST"])])) as url:
        fake_slack.configure(events_url=f"{url}/slack/events")
        yield


@pytest.fixture
def card(fake_slack: FakeSlack, bolt: None) -> tuple[str, str]:
    """(channel, ts) of an incident card in #inc-bolt, with the bolt app listening."""
    client = fake_slack.web_client()
    channel = client.conversations_create(name="inc-bolt")["channel"]["id"]
    return channel, client.chat_postMessage(channel=channel, text="card", blocks=CARD)["ts"]


def test_slack_bolt_takes_a_click_and_replaces_the_card_through_response_url(
    fake_slack: FakeSlack, card: tuple[str, str]
) -> None:
    channel, ts = card
    result = fake_slack.send_action("incident_ack", user_id=ANNA, channel_id=channel, message_ts=ts)
    assert result["status"] == 200, result
    [replaced] = fake_slack.messages(channel)
    assert replaced["ts"] == ts and replaced["text"] == f"Incident 42 acknowledged by <@{ANNA}>"
    assert "edited" in replaced


def test_slack_bolt_opens_a_modal_from_a_click_and_gets_its_submission(
    fake_slack: FakeSlack, card: tuple[str, str]
) -> None:
    channel, ts = card
    assert (
        fake_slack.send_action("incident_note", user_id=ANNA, channel_id=channel, message_ts=ts)["status"]
        == 200
    )
    [opened] = fake_slack.views()
    assert opened["view"]["callback_id"] == "incident_note"
    fake_slack.advance_clock(1)
    result = fake_slack.submit_view({"note": {"text": "rolled back 1.4.2"}}, user_id=ANNA)
    assert result["status"] == 200, result
    assert fake_slack.messages(channel)[-1]["text"] == "note on 42: rolled back 1.4.2"


def test_slack_bolt_answers_a_command_ephemerally_through_response_url(
    fake_slack: FakeSlack, bolt: None
) -> None:
    channel = fake_slack.add_channel("alerts", members=[ANNA])["id"]
    result = fake_slack.send_command("status", user_id=ANNA, channel_id=channel)
    assert result["status"] == 200, result
    [response] = fake_slack.responses()
    assert response["posts"][0]["text"] == "you said status"
    assert [(e["user"], e["text"]) for e in fake_slack.ephemerals()] == [(ANNA, "you said status")]
    assert fake_slack.messages(channel) == []


def test_slack_bolt_answers_the_url_verification_challenge_and_takes_an_event(
    fake_slack: FakeSlack, bolt: None
) -> None:
    challenge = fake_slack.send_event(url_verification=True)
    assert challenge["status"] == 200
    assert json.loads(challenge["request"]["body"])["challenge"] in challenge["body"]

    client = fake_slack.web_client()
    channel = client.conversations_create(name="inc-bolt")["channel"]["id"]
    ts = client.chat_postMessage(channel=channel, text="card")["ts"]
    fake_slack.advance_clock(1)
    event = {
        "type": "app_mention",
        "user": ANNA,
        "text": "<@U0BOT00001> status",
        "channel": channel,
        "ts": ts,
    }
    assert fake_slack.send_event(event)["status"] == 200
    card, reply = fake_slack.messages(channel)
    assert (card["ts"], card["reply_count"]) == (ts, 1)
    assert (reply["text"], reply["thread_ts"]) == ("on it", ts)


def test_a_response_url_posts_in_channel_replaces_then_deletes_and_takes_five_posts(
    fake_slack: FakeSlack, receiver: Receiver
) -> None:
    fake_slack.freeze_clock()
    client = fake_slack.web_client()
    channel = client.conversations_create(name="inc-respond")["channel"]["id"]
    ts = client.chat_postMessage(channel=channel, text="card", blocks=CARD)["ts"]
    fake_slack.send_action("incident_ack", user_id=ANNA, channel_id=channel, message_ts=ts)
    payload = json.loads(parse_qs(receiver.received[0]["body"])["payload"][0])
    assert payload["actions"][0] | {"action_ts": None} == {
        "type": "button",
        "action_id": "incident_ack",
        "block_id": "incident-actions",
        "value": "42",
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "action_ts": None,
    }
    assert payload["container"]["message_ts"] == ts and payload["message"]["blocks"] == CARD
    url = payload["response_url"]

    assert httpx.post(url, json={"response_type": "in_channel", "text": "acked"}).text == "ok"
    assert [m["text"] for m in fake_slack.messages(channel)] == ["card", "acked"]
    httpx.post(url, json={"replace_original": True, "text": "card (acknowledged)"})
    assert [m["text"] for m in fake_slack.messages(channel)] == ["card (acknowledged)", "acked"]
    httpx.post(url, json={"delete_original": True})
    assert [m["text"] for m in fake_slack.messages(channel)] == ["acked"]
    fourth_to_sixth = [httpx.post(url, json={"text": "n"}).status_code for _ in range(3)]
    assert fourth_to_sixth == [200, 200, 404]
    assert [e["text"] for e in fake_slack.ephemerals()] == ["n", "n"]
