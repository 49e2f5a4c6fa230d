"""The Slack bot end to end in one process: webhook → channel and card in the fake Slack; buttons,
`/incident`, signatures, retries; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from demo.fake_slack.client import FakeSlack
from observability.store.access_models import AuditEntry
from observability.store.models import Incident, TimelineEvent
from tests.api.conftest import alert, notification
from tests.delivery.live import LiveService, live_service, wait_for

ANNA = "U04ANNA001"  # in incident/people.yml (platform-primary rotation)
STRANGER = "U0STRANGER"


@pytest.fixture
def svc(store_url: str, fake_slack: FakeSlack) -> Iterator[LiveService]:
    fake_slack.add_users({"id": STRANGER, "name": "Stranger", "email": "stranger@example.com"})
    with live_service(store_url, fake_slack) as service:
        yield service


def incident_channel(fake: FakeSlack, incident_id: int) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        channels = [
            c for c in fake.channels() if c["name"].startswith("inc-") and f"-{incident_id}-" in c["name"]
        ]
        return channels[0] if channels and channels[0]["topic"]["value"] else None

    return dict(wait_for(found, f"the channel of incident {incident_id}"))


def card(fake: FakeSlack, channel: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        top = [m for m in fake.messages(channel) if not m.get("thread_ts") or m.get("thread_ts") == m["ts"]]
        return top[0] if top else None

    return dict(wait_for(found, f"the card in {channel}"))


def fired_card(svc: LiveService, fake: FakeSlack, group: str = "g1") -> tuple[int, str, dict[str, Any]]:
    """Fire `group`; its incident id, the id of the incident's channel, and the card posted there."""
    incident_id = svc.fire(group)
    channel = incident_channel(fake, incident_id)["id"]
    return incident_id, channel, card(fake, channel)


def thread_texts(fake: FakeSlack, channel: str, card_ts: str) -> list[str]:
    return [m["text"] for m in fake.messages(channel) if m.get("thread_ts") == card_ts and m["ts"] != card_ts]


def status_of(svc: LiveService, incident_id: int) -> str:
    with svc.app.state.sessions() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        return incident.status


def test_a_critical_incident_gets_its_channel_topic_card_and_a_thread_line_mentioning_whom_it_paged(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    incident_id = svc.fire("g1", summary="API <!channel> down")
    channel = incident_channel(fake_slack, incident_id)
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert channel["name"].startswith(f"inc-{today}-{incident_id}-")
    topic = channel["topic"]["value"]
    assert topic.startswith("[critical] API") and f"{svc.url}/incidents/{incident_id}" in topic
    assert "<!channel>" not in topic
    posted = card(fake_slack, channel["id"])
    assert posted["metadata"]["event_type"] == "obs_outbox"
    blocks = repr(posted["blocks"])
    assert "incident_ack" in blocks and "incident_note" in blocks
    assert "<!channel>" not in blocks and "&lt;!channel&gt;" in blocks
    assert f"{svc.url}/incidents/{incident_id}" in blocks
    # The step's one thread message mentions the person on call and invites them.
    lines = wait_for(lambda: thread_texts(fake_slack, channel["id"], posted["ts"]), "the escalation line")
    assert len(lines) == 1 and "paged" in lines[0] and "<@U04" in lines[0]
    paged = lines[0].split("<@")[1].split(">")[0]
    assert paged in fake_slack.channel(channel["name"])["members"]
    # The links point at pages that exist.
    assert svc.http.get(f"/incidents/{incident_id}").status_code in (200, 401, 303)


def test_the_acknowledge_button_acknowledges_and_edits_the_card_in_place(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    incident_id, channel, posted = fired_card(svc, fake_slack)
    answer = fake_slack.send_action("incident_ack", user_id=ANNA, channel_id=channel, message_ts=posted["ts"])
    assert answer["status"] == 200
    assert status_of(svc, incident_id) == "acknowledged"

    def edited() -> dict[str, Any] | None:
        now = card(fake_slack, channel)
        return (
            now
            if "acknowledged" in repr(now["blocks"]) and "incident_ack" not in repr(now["blocks"])
            else None
        )

    after = wait_for(edited, "the card to show the acknowledgement")
    assert after["ts"] == posted["ts"]  # in place, not a new message
    wait_for(
        lambda: any("acknowledged by anna" in t for t in thread_texts(fake_slack, channel, posted["ts"])),
        "the thread line",
    )
    with svc.app.state.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "incident.acknowledge")).all()
    assert [(e.actor, e.details["slack_user_id"]) for e in entries] == [("anna", ANNA)]


def test_incident_resolve_with_a_note_resolves_and_records_the_note(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    incident_id = svc.fire("g1")
    channel = incident_channel(fake_slack, incident_id)["id"]
    answer = fake_slack.send_command("resolve fixed by rollback", user_id=ANNA, channel_id=channel)
    assert answer["status"] == 200 and "resolved" in repr(answer["body"])
    assert status_of(svc, incident_id) == "resolved"
    with svc.app.state.sessions() as session:
        notes = session.scalars(
            select(TimelineEvent.message).where(
                TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "note"
            )
        ).all()
    assert notes == ["fixed by rollback"]
    ts = card(fake_slack, channel)["ts"]
    wait_for(
        lambda: any("note by anna: fixed by rollback" in t for t in thread_texts(fake_slack, channel, ts)),
        "the note line",
    )


@pytest.mark.parametrize("fault", [{"bad_signature": True}, {"stale": True}])
def test_a_bad_signature_or_a_stale_timestamp_gets_401_and_changes_nothing(
    svc: LiveService, fake_slack: FakeSlack, fault: dict[str, bool]
) -> None:
    incident_id = svc.fire("g1")
    channel = incident_channel(fake_slack, incident_id)["id"]
    answer = fake_slack.send_command("ack", user_id=ANNA, channel_id=channel, **fault)
    assert answer["status"] == 401
    assert status_of(svc, incident_id) == "triggered"


def test_a_replayed_slack_retry_is_applied_once(svc: LiveService, fake_slack: FakeSlack) -> None:
    incident_id = svc.fire("g1")
    channel = incident_channel(fake_slack, incident_id)["id"]
    first = fake_slack.send_command("note checking the load balancer", user_id=ANNA, channel_id=channel)
    again = fake_slack.replay(first["delivery"], retry_num=1)
    assert first["status"] == again["status"] == 200
    with svc.app.state.sessions() as session:
        notes = session.scalars(
            select(TimelineEvent.id).where(
                TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "note"
            )
        ).all()
        audits = session.scalars(select(AuditEntry.id).where(AuditEntry.action == "incident.note")).all()
    assert len(notes) == 1 and len(audits) == 1


def test_an_unmapped_user_is_told_so_and_nothing_changes(svc: LiveService, fake_slack: FakeSlack) -> None:
    incident_id = svc.fire("g1")
    channel = incident_channel(fake_slack, incident_id)["id"]
    answer = fake_slack.send_command("ack", user_id=STRANGER, channel_id=channel)
    assert "not in the escalation matrix" in repr(answer["body"])
    posted = card(fake_slack, channel)
    fake_slack.send_action("incident_resolve", user_id=STRANGER, channel_id=channel, message_ts=posted["ts"])
    wait_for(
        lambda: any("not in the escalation matrix" in e["text"] for e in fake_slack.ephemerals()),
        "the ephemeral",
    )
    assert status_of(svc, incident_id) == "triggered"


def test_help_who_status_and_review_answer_anyone(svc: LiveService, fake_slack: FakeSlack) -> None:
    incident_id = svc.fire("g1")
    channel = incident_channel(fake_slack, incident_id)["id"]
    for text, expected in [
        ("help", "/incident"),
        ("who", "On call now"),
        ("status", "triggered"),
        ("review", f"/incidents/{incident_id}/review"),
        ("bogus", "Unknown subcommand"),
    ]:
        answer = fake_slack.send_command(text, user_id=STRANGER, channel_id=channel)
        assert expected in repr(answer["body"]), (text, answer)


def test_the_card_links_this_services_own_runbook_page_beside_an_alerts_url_on_another_host(
    svc: LiveService, fake_slack: FakeSlack
) -> None:
    fired = alert("PlatformApiDown")
    fired["annotations"]["runbook_url"] = "https://wiki.example.org/ops/api-down"
    incident_id = svc.notify(notification("g-wiki", alerts=[fired]))["incident_id"]
    channel = incident_channel(fake_slack, incident_id)
    blocks = repr(card(fake_slack, channel["id"])["blocks"])
    own = f"{svc.url}/runbooks/api-down"
    assert f"<{own}|Runbook>" in blocks
    assert "https://wiki.example.org/ops/api-down" in blocks
    assert blocks.index(own) < blocks.index("https://wiki.example.org/ops/api-down")
    assert svc.http.get(own).status_code == 200
