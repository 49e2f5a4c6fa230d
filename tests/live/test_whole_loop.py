"""The whole loop, live: a dependency outage injected into the reference platform fires its generated
fast-profile rule in the real Prometheus, Alertmanager delivers it, the service opens an incident with
its own runbook page, pages whoever the matrix has on call, posts the card to the fake Slack's channel
for its severity; healing resolves it (the card edited in place) and the review draft's timeline shows
each step in order."""

from __future__ import annotations

import importlib.util
import os
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
import pytest

from demo.fake_slack.client import FakeSlack
from demo.inject import inject
from observability.delivery.mrkdwn import mention
from observability.escalation.loading import load_matrix
from observability.paths import repo_root
from tests.live.conftest import LiveStack

pytestmark = pytest.mark.e2e

FAULT = "dependency-outage"
ALERT = "PlatformDependencyDown"
RUNBOOK = "dependency-errors"
LABELS = {"service": "dependencies", "severity": "critical", "team": "platform"}  # the rule's labels
REVIEW_DRAFTER = "system:review-draft"
T = TypeVar("T")
BENCH_REPORT = repo_root() / "bench" / "report.py"


def poll(found: Callable[[], T | None], what: str, *, timeout: float) -> T:
    """`found()`'s first truthy answer, asked every 0.25 s; AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        answer = found()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout:.0f}s")
        time.sleep(0.25)


def incident_opened_since(api: httpx.Client, alertname: str, since: float) -> dict[str, Any] | None:
    """The newest incident with `alertname` opened after `since` (Unix time), in full."""
    page = api.get("/api/v1/incidents", params={"limit": 50})
    assert page.status_code == 200, page.text
    for summary in page.json()["items"]:
        if datetime.fromisoformat(summary["opened_at"]).timestamp() < since - 1:
            continue
        detail = api.get(f"/api/v1/incidents/{summary['id']}").json()
        if any(alert["alertname"] == alertname for alert in detail["alerts"]):
            return dict(detail)
    return None


def top_level(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]


def timeline_kinds(markdown: str) -> list[str]:
    """The Event column of the review's "Timeline (UTC)" table, top to bottom."""
    section = markdown.split("## Timeline (UTC)", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| 2")]
    return [row[2].strip() for row in rows]


def in_order(kinds: list[str], wanted: list[str]) -> bool:
    rest = iter(kinds)
    return all(kind in rest for kind in wanted)


def record_figures(figures: dict[str, float]) -> None:
    """Through bench/report.py when a bench run asks (`bench/fault_to_card.py` sets OBS_BENCH_RESULTS)."""
    if not os.environ.get("OBS_BENCH_RESULTS"):
        return
    spec = importlib.util.spec_from_file_location("bench_report", BENCH_REPORT)
    assert spec is not None and spec.loader is not None
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    for figure, seconds in figures.items():
        report.record("fault_to_card", figure, seconds, "s", note=f"{FAULT} -> {ALERT}, live stack")


def test_a_dependency_outage_pages_the_on_call_posts_the_card_resolves_on_heal_and_drafts_the_review(
    live: LiveStack,
) -> None:
    stack = live.stack
    assert stack.api_token, "the incident service did not start; see its log in the stack's run dir"
    assert "fake-slack" in stack.components, "the stack started without the fake Slack"
    service = stack.url("incident-service")
    api = httpx.Client(base_url=service, headers={"Authorization": f"Bearer {stack.api_token}"}, timeout=30)
    slack = FakeSlack(stack.url("fake-slack") + "/", stack.slack_signing_secret, stack.slack_bot_token)
    policy = load_matrix(repo_root() / "incident").policy_for(LABELS)
    first_rotations = [t.rotation for t in policy.steps[0].targets if t.rotation]
    assert first_rotations, f"policy {policy.id}'s first step pages no rotation"

    faulted = time.time()
    try:
        inject(live.running, FAULT)
        incident = poll(
            lambda: incident_opened_since(api, ALERT, faulted), f"an incident for {ALERT}", timeout=90
        )
        incident_id = incident["id"]
        assert (incident["severity"], incident["service"]) == ("critical", "dependencies")
        # the runbook: the service's own page for the alert, and it answers
        [alert] = [a for a in incident["alerts"] if a["alertname"] == ALERT]
        assert alert["runbook_page"] == f"{service}/runbooks/{RUNBOOK}"
        assert httpx.get(alert["runbook_page"], timeout=10).status_code == 200

        # the card, in the incident's own channel (the matrix's critical severity gets one)
        channel = poll(
            lambda: next(
                (c for c in slack.channels() if re.match(rf"^inc-\d{{8}}-{incident_id}-", c["name"])), None
            ),
            f"the channel of incident #{incident_id}",
            timeout=60,
        )
        card = poll(
            lambda: next(iter(top_level(slack.messages(channel["id"]))), None), "the card", timeout=60
        )
        assert f"#{incident_id}" in card["text"] and "triggered" in card["text"]
        runbook_links = re.findall(r"<(http[^|>]+)\|Runbook>", repr(card["blocks"]))
        assert runbook_links == [alert["runbook_page"]]
        fault_to_card = card["posted_at"] - faulted

        # paged: whoever the matrix has on call when the incident opened
        oncall = api.get("/api/v1/oncall", params={"at": incident["opened_at"]})
        assert oncall.status_code == 200, oncall.text
        paged = [r["person"] for r in oncall.json()["rotations"] if r["rotation"] in first_rotations]
        assert paged, oncall.json()

        def escalated() -> dict[str, Any] | None:
            timeline = api.get(f"/api/v1/incidents/{incident_id}").json()["timeline"]
            return next((e for e in timeline if e["kind"] == "escalated"), None)

        step = poll(escalated, "the escalation step on the timeline", timeout=60)
        assert all(
            person["name"] in step["message"] or person["id"] in step["message"] for person in paged
        ), (
            step["message"],
            paged,
        )

        def page_line() -> dict[str, Any] | None:
            replies = [m for m in slack.messages(channel["id"]) if m.get("thread_ts") == card["ts"]]
            wanted = [mention(person["slack_user_id"]) for person in paged]
            return next((m for m in replies if all(w in m["text"] for w in wanted)), None)

        line = poll(page_line, "the thread line mentioning the on-call", timeout=60)
        fault_to_page = line["posted_at"] - faulted
        assert not any(f"#{incident_id} " in m["text"] for m in slack.messages("alerts-platform")), (
            "a critical incident's card went to the shared channel"
        )
    finally:
        live.heal(FAULT)
    healed = time.time()

    # healing resolves it, and the card is edited in place
    poll(
        lambda: api.get(f"/api/v1/incidents/{incident_id}").json()["status"] == "resolved",
        "the incident resolved",
        timeout=90,
    )

    def resolved_card() -> dict[str, Any] | None:
        cards = top_level(slack.messages(channel["id"]))
        return cards[0] if cards and "resolved" in repr(cards[0]["blocks"]) else None

    edited = poll(resolved_card, "the card updated to resolved", timeout=60)
    assert edited["ts"] == card["ts"] and len(top_level(slack.messages(channel["id"]))) == 1
    assert "incident_ack" not in repr(edited["blocks"]) and "incident_resolve" not in repr(edited["blocks"])

    # the review drafted on resolve, its timeline in order
    def drafted() -> dict[str, Any] | None:
        answer = api.get(f"/api/v1/incidents/{incident_id}/review", params={"version": 1})
        return dict(answer.json()) if answer.status_code == 200 else None

    review = poll(drafted, "the review drafted on resolve", timeout=60)
    assert review["made_by"] == REVIEW_DRAFTER
    kinds = timeline_kinds(review["markdown"])
    assert in_order(kinds, ["opened", "escalated", "resolved"]), kinds
    assert ALERT in review["markdown"] and f"/runbooks/{RUNBOOK}" in review["markdown"]

    heal_to_resolved = edited["updated_at"] - healed
    print(
        f"\nwhole loop ({FAULT} -> {ALERT}, incident #{incident_id}): fault to card {fault_to_card:.1f}s, "
        f"fault to page {fault_to_page:.1f}s, heal to resolved card {heal_to_resolved:.1f}s"
    )
    record_figures(
        {
            "fault to card": fault_to_card,
            "fault to page": fault_to_page,
            "heal to resolved card": heal_to_resolved,
        }
    )
