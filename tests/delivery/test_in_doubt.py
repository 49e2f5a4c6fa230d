"""Exactly once where Slack's answer is lost: a channel create, and the first post to a shared channel
known only by name; both against the fake Slack, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from demo.fake_slack.client import FakeSlack
from observability.delivery.channel_names import channel_name
from observability.store.delivery_models import SlackIncident
from observability.store.escalation_models import OutboxMessage
from tests.delivery.live import LiveService, live_service, wait_for
from tests.delivery.test_slack_delivery import SHARED, outbox_row, pending, top_level
from tests.delivery.test_slack_flow import ANNA, card


@pytest.fixture
def svc(store_url: str, fake_slack: FakeSlack) -> Iterator[LiveService]:
    fake_slack.add_channel(SHARED)
    with live_service(store_url, fake_slack, slack_timeout_seconds=2) as service:
        yield service


def channels_of(fake: FakeSlack, incident_id: int) -> list[dict[str, object]]:
    return [
        c for c in fake.channels() if str(c["name"]).startswith("inc-") and f"-{incident_id}-" in c["name"]
    ]


def test_a_channel_created_but_answered_500_is_taken_not_left_empty_beside_a_second(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    fake_slack.set_fault("accept_then_500", methods=["conversations.create"], count=1)
    incident_id = svc.fire("g1")
    wait_for(lambda: pending(svc) == 0, "the outbox to drain", timeout=60)
    made = channels_of(fake_slack, incident_id)
    assert len(made) == 1, f"one channel for the incident, not {[c['name'] for c in made]}"
    assert card(fake_slack, str(made[0]["id"]))["text"]
    assert any(c["method"] == "conversations.list" for c in fake_slack.calls())
    with svc.app.state.sessions() as session:
        place = session.get(SlackIncident, incident_id)
        assert place is not None and place.channel == made[0]["id"] and place.channel_name == made[0]["name"]
        row = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "slack.channel", OutboxMessage.incident_id == incident_id
            )
        ).one()
    assert row.status == "sent" and row.attempts == 2


def test_a_name_taken_by_someone_else_still_moves_on_to_the_next_name(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    fake_slack.set_fault("500", methods=["conversations.create"], count=1)  # in doubt, nothing made
    with svc.app.state.sessions() as session:
        next_id = 1 + max([0, *session.scalars(select(SlackIncident.incident_id))])
    squatted = channel_name(next_id, datetime.now(UTC), "ApiHighLatency on api")  # the title it gets
    fake_slack.add_channel(squatted, creator=ANNA)  # made by a person, not the bot: not ours to take
    incident_id = svc.fire("g1", name="ApiHighLatency")
    wait_for(lambda: pending(svc) == 0, "the outbox to drain", timeout=60)
    assert incident_id == next_id
    names = sorted(str(c["name"]) for c in channels_of(fake_slack, incident_id))
    assert names == [squatted, f"{squatted}-2"]
    assert card(fake_slack, fake_slack.channel(f"{squatted}-2")["id"])["text"]


def test_a_first_post_to_a_shared_channel_by_name_in_doubt_is_found_not_posted_twice(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    fake_slack.set_fault("accept_then_500", methods=["chat.postMessage"], count=1)
    incident_id = svc.fire("g1", severity="warning")  # the first post there: only its name is known
    wait_for(lambda: pending(svc) == 0, "the outbox to drain", timeout=60)
    cards = [m for m in top_level(fake_slack, SHARED) if f"#{incident_id}" in m["text"]]
    assert len(cards) == 1
    row = outbox_row(svc, "slack.card", incident_id)
    assert row.status == "sent" and row.delivered_ref == cards[0]["ts"] and row.attempts == 2
