"""Pure parts of delivery: channel names, mrkdwn escaping, the card, backoff and Retry-After."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

from observability.delivery import cards
from observability.delivery.channel_names import MAX_LENGTH, channel_name
from observability.delivery.mrkdwn import escape, link
from observability.delivery.retry_policy import RetryPolicy

T0 = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
ALLOWED = re.compile(r"^[a-z0-9_-]+$")


def test_channel_name_is_dated_numbered_and_slugged() -> None:
    assert channel_name(42, T0, "API: 5xx on /jobs (eu-west)") == "inc-20260329-42-api-5xx-on-jobs-eu-west"


def test_channel_name_keeps_to_slack_rules_for_any_title() -> None:
    for title in ["Ünïcödé 🔥 <b>x</b>", "A" * 300, "---", "", "x y" * 60]:
        for attempt in range(3):
            name = channel_name(123456, T0, title, attempt)
            assert ALLOWED.match(name), name
            assert len(name) <= MAX_LENGTH
            assert name.startswith("inc-20260329-123456")


def test_next_channel_names_differ_from_the_first() -> None:
    names = [channel_name(7, T0, "disk full " * 20, attempt) for attempt in range(4)]
    assert len(set(names)) == 4
    assert names[1].endswith("-2") and names[3].endswith("-4")


def test_mrkdwn_escape_defuses_mentions_and_links() -> None:
    assert escape("<!channel> & <https://evil|click>") == "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"
    assert link("http://x/a?b=1&c=2", "run <book>") == "<http://x/a?b=1&amp;c=2|run &lt;book&gt;>"


def card(**changes: object) -> cards.CardData:
    base = cards.CardData(
        incident_id=9,
        title="API down <!here>",
        severity="critical",
        service="api",
        status="triggered",
        opened_at=T0,
        updated_at=T0,
        incident_url="http://obs/incidents/9",
        alerts=[cards.AlertLine(f"Alert{i}", f"summary {i}", "firing") for i in range(8)],
        firing_alerts=8,
        runbook_urls=["http://obs/runbooks/api-down"],
        dashboard_urls=["http://grafana/d/api"],
        generator_urls=["http://prom/graph?g0.expr=up"],
    )
    return cards.CardData(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def texts(blocks: list[dict[str, object]]) -> str:
    return repr(blocks)


def test_card_caps_alerts_and_says_how_many_more() -> None:
    shown = texts(cards.card_blocks(card()))
    assert "Alert4" in shown and "Alert5" not in shown
    assert "and 3 more" in shown


def test_card_escapes_the_title_and_links_runbook_dashboard_over_the_range_and_generator() -> None:
    blocks = cards.card_blocks(card(resolved_at=T0 + timedelta(hours=1), status="resolved"))
    shown = texts(blocks)
    assert "<!here>" not in shown and "&lt;!here&gt;" in shown
    assert "<http://obs/runbooks/api-down|Runbook>" in shown
    start = int(T0.timestamp() * 1000) - 300_000
    end = int((T0 + timedelta(hours=1)).timestamp() * 1000) + 300_000
    assert f"http://grafana/d/api?from={start}&amp;to={end}|Dashboard" in shown
    assert "http://prom/graph?g0.expr=up|Query" in shown


def test_card_buttons_follow_the_status() -> None:
    def actions(status: str) -> list[str]:
        blocks = cards.card_blocks(card(status=status))
        found = [b for b in blocks if b["type"] == "actions"]
        return [e["action_id"] for e in found[0]["elements"]] if found else []

    assert actions("triggered") == [cards.ACK, cards.RESOLVE, cards.ESCALATE, cards.NOTE]
    assert actions("acknowledged") == [cards.RESOLVE, cards.ESCALATE, cards.NOTE]
    assert actions("resolved") == []


def test_step_text_mentions_each_paged_person_once() -> None:
    text = cards.step_text("paged Ann <b>", ["U1", "U2", "U1"])
    assert text == "paged Ann &lt;b&gt; <@U1> <@U2>"


def test_digest_counts_by_status_and_lists_top_groups() -> None:
    entries = [
        cards.DigestEntry(i, f"t{i}", "warning", "api" if i % 3 else "worker", "triggered", f"u{i}")
        for i in range(1, 31)
    ]
    shown = texts(cards.digest_blocks("#alerts", entries, T0, "http://obs/incidents/"))
    assert "30 incidents" in shown and "30 triggered" in shown
    assert "api / warning: 20" in shown and "worker / warning: 10" in shown
    assert "and 25 more" in shown


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    policy = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(seconds=60))
    rand = random.Random(1)
    for attempts, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (30, 60)]:
        waits = [policy.backoff(attempts, rand).total_seconds() for _ in range(200)]
        assert ceiling / 2 <= min(waits) and max(waits) <= ceiling
        assert max(waits) - min(waits) > ceiling / 4  # jittered, not fixed


def test_retry_after_is_honoured_as_asked_not_stretched_by_backoff() -> None:
    policy = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(minutes=5))
    at = policy.next_attempt_at(T0, attempts=9, retry_after=3.0, rand=random.Random(2))
    assert T0 + timedelta(seconds=3) <= at <= T0 + timedelta(seconds=3.3)


def test_dead_after_the_configured_time() -> None:
    policy = RetryPolicy(dead_after=timedelta(minutes=10))
    assert not policy.is_dead(T0, T0 + timedelta(minutes=9, seconds=59))
    assert policy.is_dead(T0, T0 + timedelta(minutes=10))
