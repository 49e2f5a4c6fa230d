"""A storm through a three-peer Alertmanager cluster, haproxy and two replicas on one PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from tests.ingest.live import wait_until

from .store_counts import StormCounts, storm_counts
from .topology import Topology, restart, storm_alerts

pytestmark = pytest.mark.e2e

GROUPS, PER_GROUP = 50, 200  # 10,000 alerts
SETTLE_SECONDS = 90


def fire_storm(topology: Topology, prefix: str) -> None:
    start = datetime.now(UTC) - timedelta(seconds=30)
    topology.post_alerts(storm_alerts(prefix, GROUPS, PER_GROUP, start))


def wait_for_storm(topology: Topology, prefix: str) -> StormCounts:
    """Until every alert is stored and every incident paged; then the counts."""
    counts: list[StormCounts] = []

    def complete() -> bool:
        counts.append(storm_counts(topology.database_url, prefix))
        latest = counts[-1]
        return latest.alerts == GROUPS * PER_GROUP and latest.incidents_without_a_page == 0

    wait_until(complete, SETTLE_SECONDS, f"the storm {prefix} to be stored and paged", interval=1.0)
    return counts[-1]


def assert_exactly_once(counts: StormCounts) -> None:
    assert counts.incidents == GROUPS
    assert counts.alerts == GROUPS * PER_GROUP
    assert counts.fired_steps == GROUPS  # each incident's first step, fired by one replica
    assert counts.pages >= GROUPS
    assert counts.duplicate_pages == 0
    assert counts.duplicate_escalations == 0


def assert_none_refused(topology: Topology, log_offset: int) -> None:
    """Every webhook request haproxy passed on since `log_offset` was answered 200 by a replica.

    None refused, reset, or answered 503 for want of a server. (Alertmanager's own failure count
    also holds notifications that overran its 10 s deadline on a loaded machine; those are retried,
    and the store's counts show they arrived.)
    """
    answers = topology.webhook_answers_since(log_offset)
    refused = [answer for answer in answers if answer[1:] != ("200", "----")]
    assert answers and not refused, f"{len(refused)} of {len(answers)} webhook requests failed: {refused[:5]}"


def test_storm_of_10000_alerts_in_50_groups_through_the_cluster_becomes_exactly_50_incidents_paged_once(
    topology: Topology,
) -> None:
    prefix = f"Storm{uuid.uuid4().hex[:6]}x"
    notifications_before, answers_before = topology.notifications(), topology.webhook_answers()
    log_offset = topology.balancer_log_size()
    fire_storm(topology, prefix)
    assert_exactly_once(wait_for_storm(topology, prefix))
    sent = topology.notifications() - notifications_before
    answered = [
        after - before for before, after in zip(answers_before, topology.webhook_answers(), strict=True)
    ]
    print(f"storm: {sent:.0f} webhook notifications from the 3 peers, answered {answered} by the replicas")
    assert sent >= GROUPS
    assert all(count > 0 for count in answered), f"haproxy sent every notification to one replica: {answered}"
    assert_none_refused(topology, log_offset)


def test_a_replica_sigkilled_mid_storm_loses_nothing_and_duplicates_nothing(topology: Topology) -> None:
    prefix = f"Kill{uuid.uuid4().hex[:6]}x"
    victim = topology.replicas[0]
    storm = threading.Thread(target=fire_storm, args=(topology, prefix))
    storm.start()
    try:
        wait_until(
            lambda: storm_counts(topology.database_url, prefix).incidents >= 5, 60, "the storm to start"
        )
        victim.kill()
        storm.join(60)
        assert_exactly_once(wait_for_storm(topology, prefix))
        print(f"replica killed: {topology.failed_notifications():.0f} failed notifications, retried")
    finally:
        storm.join(60)
        restart(victim)


def test_rolling_restart_of_both_replicas_during_the_storm_refuses_no_notification(
    topology: Topology,
) -> None:
    """The zero-downtime deployment: one replica at a time stops (SIGTERM) and starts again."""
    prefix = f"Roll{uuid.uuid4().hex[:6]}x"
    failed_before, log_offset = topology.failed_notifications(), topology.balancer_log_size()
    storm = threading.Thread(target=fire_storm, args=(topology, prefix))
    storm.start()
    try:
        wait_until(
            lambda: storm_counts(topology.database_url, prefix).incidents >= 5, 60, "the storm to start"
        )
        for replica in topology.replicas:
            restart(replica)  # returns once it serves again; haproxy takes it back after its checks
            wait_until(partial(topology.replica_in_rotation, replica), 20, "haproxy to take it back")
        storm.join(60)
        assert_exactly_once(wait_for_storm(topology, prefix))
    finally:
        storm.join(60)
    assert_none_refused(topology, log_offset)
    print(f"rolling restart: Alertmanager timeouts {topology.failed_notifications() - failed_before:.0f}")
