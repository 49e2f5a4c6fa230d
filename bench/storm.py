"""Storm grouping through the Alertmanager cluster: 10,000 alerts in 50 groups, timed and counted.

The HA topology of tests/ha (three clustered Alertmanager peers, haproxy with the committed
deploy/haproxy/haproxy.cfg, two `obs serve` replicas on one PostgreSQL database of its own, created
and dropped here) gets every alert from every peer, as Prometheus in HA sends them. Prints and
records (bench "storm"): seconds from firing to every alert stored and to every incident paged (its
first escalation step fired), incidents created (goal: exactly one per group), duplicate pages and
escalations (goal: none), the webhook notifications the peers sent, how many each replica answered,
and any haproxy did not get a 200 for. Counts come from SQL on the store alone. Never asserts.

    python bench/storm.py [--groups 50] [--per-group 200]   (PostgreSQL: OBS_TEST_POSTGRES_URL)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import report
from ingest import DEFAULT_POSTGRES, postgres_database  # bench/ is on sys.path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ha.store_counts import storm_counts  # noqa: E402
from tests.ha.topology import GROUP_INTERVAL, Topology, start_topology, storm_alerts  # noqa: E402

BENCH = "storm"
TOKEN = "bench-storm-webhook-token"
# The HA storm test's bound (tests/ha/test_storm.py SETTLE_SECONDS): the storm is in the store and
# paged within it.
SETTLE_SECONDS = 90.0
POLL_SECONDS = 0.25
TOOLS = ("haproxy", "prometheus-alertmanager")


def timed_storm(topology: Topology, groups: int, per_group: int) -> dict[str, float]:
    """Fire the storm; seconds until every alert is stored and every incident paged, and the counts."""
    prefix = f"Bench{uuid.uuid4().hex[:6]}x"
    alerts = storm_alerts(prefix, groups, per_group, datetime.now(UTC) - timedelta(seconds=30))
    notifications_before, answers_before = topology.notifications(), topology.webhook_answers()
    log_offset = topology.balancer_log_size()
    fired = time.monotonic()
    topology.post_alerts(alerts)
    posted = time.monotonic() - fired
    stored = paged = float("nan")
    counts = storm_counts(topology.database_url, prefix)
    while time.monotonic() - fired < SETTLE_SECONDS:
        counts = storm_counts(topology.database_url, prefix)
        elapsed = time.monotonic() - fired
        if stored != stored and counts.alerts == groups * per_group:  # nan: not yet
            stored = elapsed
        if paged != paged and counts.incidents >= groups and counts.incidents_without_a_page == 0:
            paged = elapsed
        if stored == stored and paged == paged:
            break
        time.sleep(POLL_SECONDS)
    # Notifications still in flight (a peer's retry, the next group interval) land before counting.
    time.sleep(2 * float(GROUP_INTERVAL.removesuffix("s")))
    counts = storm_counts(topology.database_url, prefix)
    answered = [
        after - before for before, after in zip(answers_before, topology.webhook_answers(), strict=True)
    ]
    refused = [a for a in topology.webhook_answers_since(log_offset) if a[1:] != ("200", "----")]
    return {
        "posted": posted,
        "stored": stored,
        "paged": paged,
        "sent": topology.notifications() - notifications_before,
        "failed": topology.failed_notifications(),
        "refused": float(len(refused)),
        **{f"answered_{index + 1}": float(count) for index, count in enumerate(answered)},
        **{f"count_{name}": float(value) for name, value in vars(counts).items()},
    }


def record(figures: dict[str, float], groups: int, per_group: int) -> None:
    alerts, answered = groups * per_group, [v for k, v in figures.items() if k.startswith("answered_")]
    storm = f"{alerts:,} alerts in {groups} groups, every alert to each of 3 peers"
    rows: list[tuple[str, float, str, dict[str, float], str]] = [
        ("seconds to post the storm to the 3 peers", figures["posted"], "s", {}, storm),
        (
            "seconds from firing to every alert stored",
            figures["stored"],
            "s",
            {"at_most": SETTLE_SECONDS},
            "",
        ),
        (
            "seconds from firing to every incident paged",
            figures["paged"],
            "s",
            {"at_most": SETTLE_SECONDS},
            "",
        ),
        (
            "alerts stored",
            figures["count_alerts"],
            "",
            {"at_least": alerts, "at_most": alerts},
            "(fingerprint, startsAt) children of their group's incident",
        ),
        (
            "incidents created",
            figures["count_incidents"],
            "",
            {"at_least": groups, "at_most": groups},
            "one per alert group",
        ),
        (
            "duplicate pages",
            figures["count_duplicate_pages"],
            "",
            {"at_most": 0},
            "beyond one per step and target",
        ),
        (
            "duplicate escalations",
            figures["count_duplicate_escalations"],
            "",
            {"at_most": 0},
            "steps fired twice",
        ),
        ("webhook notifications the peers sent", figures["sent"], "", {}, "HA duplicates included"),
        (
            "webhook notifications the replicas answered 200",
            sum(answered),
            "",
            {},
            "per replica: " + ", ".join(f"{count:.0f}" for count in answered),
        ),
        (
            "webhook requests not answered 200 (haproxy's log)",
            figures["refused"],
            "",
            {"at_most": 0},
            "refused, reset or no server",
        ),
        (
            "notifications Alertmanager counted failed",
            figures["failed"],
            "",
            {},
            "over its 10 s deadline on a loaded machine; retried",
        ),
    ]
    for figure, value, unit, goal, note in rows:
        report.record(BENCH, figure, value, unit, note=note, **goal)
        shown = f"{value:,.2f} {unit}" if unit else f"{value:,.0f}"
        print(f"{figure}: {shown}{f'  ({note})' if note else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--per-group", type=int, default=200)
    args = parser.parse_args()
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        print(f"storm: {', '.join(missing)} not on PATH (make tools installs them)", file=sys.stderr)
        return 1
    server = os.environ.get("OBS_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    with postgres_database(server) as database_url, tempfile.TemporaryDirectory(prefix="obs-storm-") as tmp:
        if database_url is None:
            return 0  # said why; the report lists the storm as not measured
        topology = start_topology(Path(tmp), database_url, TOKEN)
        try:
            figures = timed_storm(topology, args.groups, args.per_group)
        finally:
            topology.stop()
    record(figures, args.groups, args.per_group)
    return 0


if __name__ == "__main__":
    sys.exit(main())
