"""A Slack outage during a storm through the HA topology, a replica SIGKILLed in the middle of it;
afterwards everything is delivered once.

Its own topology (three Alertmanager peers, haproxy, two replicas on one PostgreSQL) whose replicas
post to a fake Slack started for this module. The checks read the fake's own records (channels,
messages with their outbox-id metadata, its rate log), not the service's view of them.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from demo.fake_slack.client import FakeSlack
from tests.conftest import fresh_database
from tests.fakes.slack import seeded_fake_slack
from tests.ingest.live import wait_until
from tests.support import binary

from .conftest import TOKEN
from .store_counts import storm_counts
from .topology import Topology, restart, start_topology, storm_alerts

pytestmark = pytest.mark.e2e

GROUPS, PER_GROUP = 20, 100  # 2,000 alerts: each group is a critical incident with a channel of its own
OUTAGE_SECONDS = 20
SETTLE_SECONDS = 120
POSTING_KINDS = ("slack.card", "slack.thread", "slack.digest")
CHANNEL_NAME = re.compile(r"^inc-\d{8}-(\d+)-")


@pytest.fixture(scope="module")
def fake_slack_for_ha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSlack]:
    with seeded_fake_slack(tmp_path_factory.mktemp("ha-fake-slack")) as fake:
        yield fake


@pytest.fixture(scope="module")
def slack_topology(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory, fake_slack_for_ha: FakeSlack
) -> Iterator[Topology]:
    for tool in ("haproxy", "prometheus-alertmanager"):
        binary(tool)
    fake = fake_slack_for_ha
    env = {
        "OBS_SLACK_BOT_TOKEN": fake.bot_token,
        "OBS_SLACK_SIGNING_SECRET": fake.signing_secret,
        "OBS_SLACK_API_URL": fake.base_url,
        # A held (timed-out) call gives up after 2 s; retries back off at most 2 s, so healing is quick.
        "OBS_SLACK_TIMEOUT_SECONDS": "2",
        "OBS_DELIVERY_MAX_BACKOFF_SECONDS": "2",
        "OBS_DELIVERY_TICK_SECONDS": "0.5",
        # The killed replica's rows are retried (in doubt) 8 s after it died, not the default 60 s.
        "OBS_DELIVERY_LEASE_SECONDS": "8",
        "OBS_ESCALATION_TICK_SECONDS": "0.5",
    }
    with fresh_database(postgres_server_url) as database_url:
        running = start_topology(tmp_path_factory.mktemp("ha-slack"), database_url, TOKEN, env)
        try:
            yield running
        finally:
            running.stop()


def outbox_rows(database_url: str) -> list[dict[str, object]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            result = connection.execute(
                text("SELECT id, incident_id, kind, status, lease_owner FROM notification_outbox ORDER BY id")
            )
            return [dict(row._mapping) for row in result]
    finally:
        engine.dispose()


def switch_the_outage_on(fake: FakeSlack) -> None:
    """Two phases of wall time; the first live switch that matches a call answers it.

    First every method answers 500, after two channel creations that went through but answered 500
    (their outcome in doubt). Then, until OUTAGE_SECONDS: posts stored but answered 500, posts held
    past the client's timeout, 429s with Retry-After for messages, 500s for history reads (the
    reconciliation); channels and topics go through, so cards meet the rest of the outage.
    """
    fake.set_fault("accept_then_500", methods=["conversations.create"], count=2)
    fake.set_fault("500", duration=OUTAGE_SECONDS / 3)
    fake.set_fault("accept_then_500", methods=["chat.postMessage"], count=3)
    fake.set_fault("timeout", methods=["chat.postMessage"], count=3, hold_seconds=3)
    fake.set_fault("429", methods=["chat.postMessage", "chat.update"], retry_after=2, duration=OUTAGE_SECONDS)
    fake.set_fault("500", methods=["conversations.history", "conversations.replies"], duration=OUTAGE_SECONDS)


def test_a_slack_outage_and_a_sigkilled_replica_during_the_storm_end_with_everything_delivered_once(
    slack_topology: Topology, fake_slack_for_ha: FakeSlack
) -> None:
    topology, fake = slack_topology, fake_slack_for_ha
    fake.set_rate(limit=1, window=1.0, enforce=False)  # measure the service's own pacing
    prefix = f"SlackOut{uuid.uuid4().hex[:6]}x"
    alerts = storm_alerts(prefix, GROUPS, PER_GROUP, datetime.now(UTC) - timedelta(seconds=30))
    # In two waves: the second one's channels and cards are all sent while Slack is out.
    half = len(alerts) // 2
    topology.post_alerts(alerts[:half])
    wait_until(lambda: storm_counts(topology.database_url, prefix).incidents >= 3, 60, "the storm to start")
    switch_the_outage_on(fake)
    outage_starts = time.monotonic()
    topology.post_alerts(alerts[half:])
    # Mid-outage one replica dies holding whatever it holds (its leases run out, in doubt); it
    # comes back once Slack does.
    victim = topology.replicas[0]
    time.sleep(max(outage_starts + OUTAGE_SECONDS / 2 - time.monotonic(), 0))
    leased = sum(1 for r in outbox_rows(topology.database_url) if r["lease_owner"])
    victim.kill()
    time.sleep(max(outage_starts + OUTAGE_SECONDS - time.monotonic(), 0))
    restart(victim)

    def settled() -> bool:
        counts = storm_counts(topology.database_url, prefix)
        slack = [r for r in outbox_rows(topology.database_url) if str(r["kind"]).startswith("slack.")]
        delivered = bool(slack) and all(r["status"] != "pending" for r in slack)
        return counts.alerts == GROUPS * PER_GROUP and delivered

    wait_until(settled, SETTLE_SECONDS, "every Slack row to be delivered after the outage", interval=1.0)
    # Counted now: the switches with a count (no end) meet the first posts, whenever they come.
    faulted = Counter(str(call["fault"]) for call in fake.calls() if call.get("fault"))
    print(f"slack outage: faults answered {dict(faulted)}; {leased} rows leased when a replica was killed")
    assert {"500", "429", "timeout", "accept_then_500"} <= set(faulted), "the outage missed the storm"

    counts = storm_counts(topology.database_url, prefix)
    assert (counts.incidents, counts.alerts) == (GROUPS, GROUPS * PER_GROUP)
    assert counts.duplicate_pages == 0 and counts.duplicate_escalations == 0

    rows = outbox_rows(topology.database_url)
    assert not [r for r in rows if r["status"] == "dead"], "dead letters"
    assert not [r for r in rows if r["status"] == "pending"], "a backlog"
    slack_rows = [r for r in rows if str(r["kind"]).startswith("slack.")]
    assert {r["status"] for r in slack_rows} == {"sent"}

    # Every incident: exactly one channel, and in it exactly one card (its one top-level message).
    incident_ids = {int(r["incident_id"]) for r in rows}  # type: ignore[call-overload]
    channels = [c for c in fake.channels() if CHANNEL_NAME.match(c["name"])]
    per_incident = Counter(int(CHANNEL_NAME.match(c["name"]).group(1)) for c in channels)  # type: ignore[union-attr]
    assert set(per_incident) == incident_ids and len(incident_ids) == GROUPS
    assert [i for i, n in per_incident.items() if n != 1] == [], "an incident got two channels"
    for channel in channels:
        top_level = [m for m in fake.messages(channel["id"]) if m.get("thread_ts") in (None, m["ts"])]
        assert len(top_level) == 1, f"{channel['name']}: {len(top_level)} cards"

    # Every posting row was posted exactly once (its outbox id in the message metadata), in order.
    messages = [m for m in fake.messages() if (m.get("metadata") or {}).get("event_type") == "obs_outbox"]
    ids = [int(m["metadata"]["event_payload"]["outbox_id"]) for m in messages]
    duplicated = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicated, f"posted twice: {duplicated}"
    assert set(ids) == {r["id"] for r in rows if r["kind"] in POSTING_KINDS}
    by_channel: dict[str, list[tuple[float, int]]] = {}
    for message, outbox_id in zip(messages, ids, strict=True):
        by_channel.setdefault(message["channel"], []).append((float(message["ts"]), outbox_id))
    for channel_id, posted in by_channel.items():
        assert [i for _, i in sorted(posted)] == sorted(i for _, i in posted), f"out of order in {channel_id}"

    rate = fake.rate()["channels"]
    assert rate and not [channel for channel, seen in rate.items() if seen["exceeded"]], rate
