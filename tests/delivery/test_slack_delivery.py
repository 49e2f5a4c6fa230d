"""Delivery against the fake Slack: shared channel and storm digest, in-doubt reconciliation, rate
limits held per channel, the note modal and Escalate; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from demo.fake_slack.client import FakeSlack
from observability.store.escalation_models import OutboxMessage
from observability.store.models import TimelineEvent
from tests.api.conftest import alert, notification
from tests.delivery.live import LiveService, live_service, wait_for
from tests.delivery.test_slack_flow import ANNA, card, fired_card, incident_channel, status_of, thread_texts

SHARED = "alerts-platform"  # the platform-warning policy's channel in incident/escalation.yml
STORM = 5


@pytest.fixture
def svc(store_url: str, fake_slack: FakeSlack) -> Iterator[LiveService]:
    fake_slack.add_channel(SHARED)
    with live_service(store_url, fake_slack, slack_storm_threshold=STORM, slack_timeout_seconds=2) as service:
        yield service


def pending(svc: LiveService) -> int:
    with svc.app.state.sessions() as session:
        return int(session.scalar(select(func.count()).where(OutboxMessage.status == "pending")) or 0)


def outbox_row(svc: LiveService, kind: str, incident_id: int) -> OutboxMessage:
    """The incident's one outbox row of `kind`, as stored."""
    with svc.app.state.sessions() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.incident_id == incident_id)
        ).one()


def top_level(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel) if not m.get("thread_ts") or m.get("thread_ts") == m["ts"]]


def test_a_storm_in_a_shared_channel_becomes_one_digest_edited_in_place(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    for n in range(200):
        svc.notify(
            notification(f"storm-{n}", alerts=[alert(f"Storm{n}", severity="warning", fingerprint=f"s{n}")])
        )
    wait_for(lambda: pending(svc) == 0, "the outbox to drain", timeout=120)
    messages = top_level(fake_slack, SHARED)
    digests = [m for m in messages if "Alert storm" in m["text"]]
    assert len(messages) == STORM + 1 and len(digests) == 1
    assert "195 incidents" in digests[0]["text"]
    assert "195 triggered" in repr(digests[0]["blocks"])
    assert fake_slack.rate()["channels"][fake_slack.channel(SHARED)["id"]]["exceeded"] is False


def test_a_post_accepted_but_answered_500_is_found_in_history_not_posted_twice(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    svc.fire("g0", name="PlatformApiErrors", severity="warning")  # the shared channel's id is known after it
    wait_for(lambda: pending(svc) == 0, "the first card", timeout=60)
    fake_slack.set_fault("accept_then_500", methods=["chat.postMessage"], count=1)
    incident_id = svc.fire("g1", severity="warning")
    wait_for(lambda: pending(svc) == 0, "the outbox to drain", timeout=60)
    cards = [m for m in top_level(fake_slack, SHARED) if f"#{incident_id}" in m["text"]]
    assert len(cards) == 1
    assert any(c["method"] == "conversations.history" for c in fake_slack.calls())
    row = outbox_row(svc, "slack.card", incident_id)
    assert row.status == "sent" and row.delivered_ref == cards[0]["ts"] and row.attempts == 2


def test_a_rate_limited_channel_waits_while_another_channel_is_served(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    fake_slack.set_rate(limit=1, window=6)  # each channel: one message per 6 s, then 429 + Retry-After
    first = svc.fire("g1")
    first_channel = incident_channel(fake_slack, first)["id"]
    ts = card(fake_slack, first_channel)["ts"]
    wait_for(
        lambda: fake_slack.rate()["channels"].get(first_channel, {}).get("rejected"),
        "a 429 in the first channel",
    )
    second = svc.fire("g2", name="PlatformWorkerDown", service="worker")
    card(fake_slack, incident_channel(fake_slack, second)["id"])  # not frozen by the other channel's 429
    assert thread_texts(fake_slack, first_channel, ts) == []  # still waiting for its Retry-After
    wait_for(lambda: thread_texts(fake_slack, first_channel, ts), "the held step line", timeout=30)


def test_add_note_opens_a_modal_whose_submission_adds_the_note(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    _incident_id, channel, posted = fired_card(svc, fake_slack)
    fake_slack.send_action("incident_note", user_id=ANNA, channel_id=channel, message_ts=posted["ts"])
    wait_for(fake_slack.views, "the modal")
    answer = fake_slack.submit_view({"note": {"text": "rolled back 1.4.2"}}, user_id=ANNA)
    assert answer["status"] == 200
    with svc.app.state.sessions() as session:
        notes = session.scalars(select(TimelineEvent.message).where(TimelineEvent.kind == "note")).all()
    assert notes == ["rolled back 1.4.2"]


def test_escalate_pages_the_next_step_with_one_thread_message(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    incident_id, channel, posted = fired_card(svc, fake_slack)
    wait_for(lambda: len(thread_texts(fake_slack, channel, posted["ts"])) == 1, "the first step's line")
    fake_slack.send_action("incident_escalate", user_id=ANNA, channel_id=channel, message_ts=posted["ts"])
    lines = wait_for(
        lambda: (t := thread_texts(fake_slack, channel, posted["ts"])) and len(t) == 2 and t,
        "the second step's line",
    )
    assert "step 2" in lines[1] and "<@" in lines[1]
    assert status_of(svc, incident_id) == "triggered"
