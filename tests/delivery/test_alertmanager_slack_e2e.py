"""A real Alertmanager, a real `obs serve` and the fake Slack: the card and its links, buttons and
commands, and an outage with the service SIGKILLed in the middle; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from demo.fake_slack.client import FakeSlack
from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import OutboxMessage
from observability.store.migrate import upgrade
from observability.store.models import Incident, TimelineEvent
from tests.delivery.e2e import TOKEN, dashboards_server, obs_with_slack
from tests.delivery.live import wait_for
from tests.delivery.test_slack_flow import ANNA, card, thread_texts
from tests.ingest.live import WEBHOOK, Alertmanager, ObsServer
from tests.support import free_port

pytestmark = pytest.mark.e2e

SHARED = "alerts-platform"
POSTING = ("slack.card", "slack.thread", "slack.digest")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'obs.db'}"
    return str(request.getfixturevalue("postgres_url"))


class Stack:
    def __init__(
        self, server: ObsServer, alertmanager: Alertmanager, database_url: str, grafana: list[Any]
    ) -> None:
        self.server, self.alertmanager, self.database_url, self.grafana_seen = (
            server,
            alertmanager,
            database_url,
            grafana,
        )
        self.engine = make_engine(database_url)
        self.sessions = session_factory(self.engine)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def fire(self, alertname: str, **labels: str) -> None:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
        self.alertmanager.add({"alertname": alertname, **labels}, start=start, summary=f"{alertname} summary")

    def incident_id(self, alertname: str) -> int | None:
        with self.sessions() as session:
            return session.scalar(select(Incident.id).where(Incident.title.like(f"{alertname}%")))

    def rows(self) -> list[OutboxMessage]:
        with self.sessions() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def stack(tmp_path: Path, database_url: str, fake_slack: FakeSlack) -> Iterator[Stack]:
    fake_slack.add_channel(SHARED)
    upgrade(database_url)  # before `obs serve`, whose start then only checks the schema
    with dashboards_server() as (grafana_url, seen):
        server = obs_with_slack(
            tmp_path, database_url, fake_slack, grafana_url, OBS_DELIVERY_MAX_BACKOFF_SECONDS="2"
        )
        server.start()
        alertmanager = Alertmanager(free_port(), f"http://127.0.0.1:{server.port}{WEBHOOK}", TOKEN, tmp_path)
        found = Stack(server, alertmanager, database_url, seen)
        try:
            yield found
        finally:
            alertmanager.stop()
            server.stop()
            found.engine.dispose()


def channel_of(fake: FakeSlack, incident_id: int) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        named = [c for c in fake.channels() if re.match(rf"^inc-\d{{8}}-{incident_id}-", c["name"])]
        return named[0] if named else None

    return dict(wait_for(found, f"the channel of #{incident_id}", timeout=30))


def links(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {
        label: url.replace("&amp;", "&")
        for url, label in re.findall(r"<(http[^|>]+)\|([^>]+)>", repr(blocks))
    }


def test_an_alert_becomes_a_channel_and_card_whose_links_work_and_whose_buttons_and_commands_act(
    stack: Stack, fake_slack: FakeSlack
) -> None:
    stack.fire("PlatformApiDown", service="api", severity="critical")
    incident_id = wait_for(lambda: stack.incident_id("PlatformApiDown"), "the incident", timeout=30)
    channel = channel_of(fake_slack, incident_id)["id"]
    posted = card(fake_slack, channel)
    found = links(posted["blocks"])
    assert found["Runbook"] == f"{stack.url}/runbooks/api-down"
    assert httpx.get(found["Runbook"]).status_code == 200
    dashboard = httpx.get(found["Dashboard"])
    assert dashboard.status_code == 200 and stack.grafana_seen[-1]["uid"] == ["obs-api"]
    assert stack.grafana_seen[-1]["to"] == ["now"] and int(stack.grafana_seen[-1]["from"][0]) > 0

    answer = fake_slack.send_action("incident_ack", user_id=ANNA, channel_id=channel, message_ts=posted["ts"])
    assert answer["status"] == 200
    wait_for(lambda: "acknowledged" in repr(card(fake_slack, channel)["blocks"]), "the card to show the ack")
    assert card(fake_slack, channel)["ts"] == posted["ts"]

    answer = fake_slack.send_command("resolve fixed by rollback", user_id=ANNA, channel_id=channel)
    assert answer["status"] == 200
    with stack.sessions() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and (incident.status, incident.resolved_by) == ("resolved", "anna")
        notes = session.scalars(select(TimelineEvent.message).where(TimelineEvent.kind == "note")).all()
    assert notes == ["fixed by rollback"]
    wait_for(
        lambda: (
            "resolved" in repr(card(fake_slack, channel)["blocks"])
            and "incident_resolve" not in repr(card(fake_slack, channel)["blocks"])
        ),
        "the resolved card",
    )
    wait_for(
        lambda: any("resolved by anna" in t for t in thread_texts(fake_slack, channel, posted["ts"])),
        "the line",
    )


def test_after_an_outage_and_a_sigkill_every_message_arrives_once_in_order_and_within_the_rate(
    stack: Stack, fake_slack: FakeSlack
) -> None:
    fake_slack.set_rate(limit=1, window=1.0, enforce=False)  # measure our own pacing
    # One card in the shared channel first: from its answer on the sender knows the channel's id,
    # which reading the channel back needs (Slack takes a channel name only for posting).
    stack.fire("OutageWarm", service="api", severity="warning")
    wait_for(
        lambda: [r for r in stack.rows() if r.kind == "slack.card" and r.status == "sent"],
        "the first card",
        30,
    )
    # Two minutes of the fake's clock: posts accepted but answered 500 (so their outcome is in
    # doubt), then 429s for messages and 500s for everything else.
    fake_slack.set_fault("accept_then_500", methods=["chat.postMessage"], count=1)
    fake_slack.set_fault("429", methods=["chat.postMessage", "chat.update"], retry_after=1, duration=120)
    fake_slack.set_fault("500", duration=120)
    for name, service in [("OutageApiDown", "api"), ("OutageWorkerDown", "worker")]:
        stack.fire(name, service=service, severity="critical")
    for n in range(3):
        stack.fire(f"OutageWarning{n}", service="api", severity="warning")
    wait_for(lambda: len(stack.rows()) >= 10, "the outbox to fill", timeout=30)
    faulted = lambda: Counter(call.get("fault") for call in fake_slack.calls())  # noqa: E731
    wait_for(
        lambda: faulted()["accept_then_500"] == 1 and faulted()["500"] > 3, "the sender to hit the outage", 30
    )

    stack.server.kill()
    stack.server.start()
    wait_for(lambda: faulted()["500"] > 10, "the restarted sender to hit the outage again", 30)
    fake_slack.advance_clock(121)  # the outage is over

    wait_for(
        lambda: all(r.status != "pending" for r in stack.rows() if r.kind.startswith("slack.")),
        "every Slack row to be delivered",
        timeout=120,
    )
    rows = stack.rows()
    assert {r.status for r in rows if r.kind.startswith("slack.")} == {"sent"}
    messages = [
        m for m in fake_slack.messages() if (m.get("metadata") or {}).get("event_type") == "obs_outbox"
    ]
    ids = [int(m["metadata"]["event_payload"]["outbox_id"]) for m in messages]
    assert len(ids) == len(set(ids)), "a message was posted twice"
    assert set(ids) == {r.id for r in rows if r.kind in POSTING}
    by_channel: dict[str, list[tuple[float, int]]] = {}
    for message, outbox_id in zip(messages, ids, strict=True):
        by_channel.setdefault(message["channel"], []).append((float(message["ts"]), outbox_id))
    for channel, posted in by_channel.items():
        assert [i for _, i in sorted(posted)] == sorted(i for _, i in posted), f"out of order in {channel}"
    rate = fake_slack.rate()["channels"]
    assert rate and not [channel for channel, seen in rate.items() if seen["exceeded"]]
    assert len(by_channel) == 3  # two incident channels and the shared one
