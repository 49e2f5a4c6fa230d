"""Delivery benchmark: how long from the webhook received to the message accepted by Slack.

A real `obs serve` posts to the fake Slack (demo/fake_slack, a real HTTP server) on SQLite and on
PostgreSQL. Prints, per backend:
- one incident at a time (`--runs`, each a new critical incident with its own channel): webhook
  received (the ingest ledger's time) → card accepted (the fake's receipt of the chat.postMessage
  that carries the card's outbox id), p50/p99/max;
- a storm (`--storm` warning incidents posted together into one shared channel): when each
  incident first showed in Slack (its card, or the digest post or edit that took it in, as the
  outbox recorded it), p50/p99/max, how long until all had, and how many messages the channel got.
Never asserts. Goal: p99 <= 1 s for one incident; a storm is one digest, not one card each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import report
from ingest import DEFAULT_POSTGRES, free_port, percentile, postgres_database  # bench/ is on sys.path
from sqlalchemy import select

from demo.fake_slack.client import FakeSlack, run_fake_slack
from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import OutboxMessage
from observability.store.models import IngestLedgerEntry

REPO = Path(__file__).resolve().parents[1]
GOALS = "goal: p99 <= 1 s from webhook received to card accepted (one incident); a storm is one digest"
TOKEN = "bench-webhook-token"
SHARED = "alerts-platform"
STORM_THRESHOLD = 5


def notification(group: str, severity: str, alertname: str, service: str = "api") -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": group,
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "obs",
        "groupLabels": {"alertname": alertname},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": alertname, "severity": severity, "service": service},
                "annotations": {"summary": f"{alertname} on {service}"},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": group,
            }
        ],
    }


class Service:
    """`obs serve` on `database_url`, wired to `fake`."""

    def __init__(self, database_url: str, fake: FakeSlack, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        fake.configure(events_url=f"{self.url}/slack/events")
        env = os.environ | {
            "OBS_DATABASE_URL": database_url,
            "OBS_WEBHOOK_TOKEN": TOKEN,
            "OBS_PUBLIC_URL": self.url,
            "OBS_SLACK_BOT_TOKEN": fake.bot_token,
            "OBS_SLACK_SIGNING_SECRET": fake.signing_secret,
            "OBS_SLACK_API_URL": fake.base_url,
            "OBS_SLACK_STORM_THRESHOLD": str(STORM_THRESHOLD),
            "OBS_WATCHDOG_TIMEOUT_SECONDS": "0",
        }
        self.log = (folder / "obs.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "observability.cli",
                "serve",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.http.get("/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"obs serve did not start (see {folder / 'obs.log'})")

    def post(self, body: dict[str, Any]) -> int:
        response = self.http.post("/api/v1/webhooks/alertmanager", json=body)
        response.raise_for_status()
        return int(response.json()["incident_id"])

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


def wait(check: Any, what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.01)
    raise RuntimeError(f"timed out waiting for {what}")


def card_accepted_at(fake: FakeSlack, outbox_id: int) -> float | None:
    """The fake's wall time when it accepted the chat.postMessage carrying this outbox id."""
    for call in fake.calls("chat.postMessage"):
        if call.get("status") != 200:
            continue
        metadata = call["params"].get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata or {}
        if int((metadata.get("event_payload") or {}).get("outbox_id", -1)) == outbox_id:
            return float(call["wall_time"])
    return None


def sent(sessions: Any, outbox_id: int) -> bool:
    with sessions() as session:
        return session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)) == "sent"


def one_incident(service: Service, fake: FakeSlack, database_url: str, runs: int) -> list[float]:
    sessions = session_factory(make_engine(database_url))
    latencies = []
    for run in range(runs):
        incident_id = service.post(notification(f"bench-one-{run}", "critical", f"BenchDown{run}"))
        with sessions() as session:
            received = session.scalar(
                select(IngestLedgerEntry.received_at).where(IngestLedgerEntry.incident_id == incident_id)
            )
            card = session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.incident_id == incident_id, OutboxMessage.kind == "slack.card"
                )
            )
        assert received is not None and card is not None
        # Poll the database (cheap), not the fake: its call log grows, and reading it competes for the CPU.
        wait(lambda card=card: sent(sessions, card), f"the card of #{incident_id}", 30)
        accepted = card_accepted_at(fake, card)
        assert accepted is not None
        latencies.append(accepted - received.timestamp())
        time.sleep(0.2)  # let the step's thread line go out: the next run measures its own card alone
    return latencies


def storm(service: Service, fake: FakeSlack, database_url: str, size: int) -> dict[str, Any]:
    fake.add_channel(SHARED)
    bodies = [notification(f"bench-storm-{n}", "warning", f"BenchStorm{n}") for n in range(size)]
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(service.post, bodies))
    posting = time.monotonic() - started
    sessions = session_factory(make_engine(database_url))

    def shown() -> dict[int, float] | None:
        with sessions() as session:
            rows = list(
                session.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.incident_id.in_(ids),
                        OutboxMessage.kind.in_(("slack.card", "slack.digest")),
                    )
                )
            )
        if any(row.status == "pending" for row in rows) or len(rows) < len(ids):
            return None
        sent = {row.id: row.sent_at for row in rows}
        seen = {}
        for row in rows:
            # A coalesced digest row was shown by the edit it was folded into.
            into = (
                row.last_error.removeprefix("coalesced into #")
                if row.last_error.startswith("coalesced")
                else ""
            )
            at = sent[int(into)] if into else row.sent_at
            assert at is not None
            seen[row.incident_id] = (at - row.created_at).total_seconds()
        return seen

    seen = wait(shown, "every storm incident to show in Slack", timeout=300)
    messages = [m for m in fake.messages(SHARED) if not m.get("thread_ts") or m.get("thread_ts") == m["ts"]]
    return {
        "posting": posting,
        "latencies": sorted(seen.values()),
        "top_level": len(messages),
        "digests": sum("Alert storm" in m["text"] for m in messages),
        "edits": sum(1 for c in fake.calls("chat.update") if c.get("status") == 200),
    }


def print_and_record(backend: str, one: list[float], stormed: dict[str, Any], size: int) -> None:
    one = sorted(one)
    print(f"{backend}: one incident, webhook received -> card accepted by Slack, {len(one)} runs")
    p50, p99 = percentile(one, 0.5) * 1000, percentile(one, 0.99) * 1000
    print(f"  p50 {p50:.0f} ms   p99 {p99:.0f} ms   max {one[-1] * 1000:.0f} ms")
    lat = stormed["latencies"]
    print(f"{backend}: storm of {size} incidents posted in {stormed['posting']:.1f} s to one shared channel")
    print(
        f"  shown in Slack: p50 {percentile(lat, 0.5):.2f} s   p99 {percentile(lat, 0.99):.2f} s   "
        f"all by {lat[-1]:.2f} s"
    )
    cards = stormed["top_level"] - stormed["digests"]
    print(
        f"  channel got {stormed['top_level']} messages ({cards} cards + {stormed['digests']} digest)", end=""
    )
    print(f", {stormed['edits']} edits")
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    report.record("delivery", f"one incident, webhook to card, p50 ({name})", p50, "ms")
    report.record("delivery", f"one incident, webhook to card, p99 ({name})", p99, "ms", at_most=1000)
    report.record(
        "delivery", f"storm of {size}: every incident shown, p99 ({name})", percentile(lat, 0.99), "s"
    )
    report.record(
        "delivery",
        f"storm of {size}: messages in the shared channel ({name})",
        stormed["top_level"],
        "",
        at_most=size // 10,
        note="a digest, not one card each",
    )
    report.record(
        "delivery",
        f"storm of {size}: digests in the shared channel ({name})",
        stormed["digests"],
        "",
        at_least=1,
        at_most=1,
        note="concurrent ingest joins one digest",
    )


def run(backend: str, database_url: str, runs: int, size: int) -> None:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="obs-bench-delivery-") as tmp:
        folder = Path(tmp)
        fake = stack.enter_context(
            run_fake_slack(free_port(), folder, users=REPO / "incident" / "people.yml")
        )
        service = Service(database_url, fake, folder)
        stack.callback(service.stop)
        one = one_incident(service, fake, database_url, runs)
        stormed = storm(service, fake, database_url, size)
        print_and_record(backend, one, stormed, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="single incidents to time (default 30)")
    parser.add_argument("--storm", type=int, default=200, help="incidents in the storm (default 200)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=os.environ.get("OBS_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    args = parser.parse_args()
    print(GOALS)
    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="obs-bench-db-") as tmp:
            run("sqlite", f"sqlite:///{tmp}/obs.db", args.runs, args.storm)
    if args.backend in ("postgresql", "both"):
        with postgres_database(args.postgres) as url:
            if url is not None:
                run("postgresql", url, args.runs, args.storm)


if __name__ == "__main__":
    main()
