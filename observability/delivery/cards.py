"""Slack Block Kit for incidents (pure): the card, its thread lines, the step message and the storm digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from observability.delivery.mrkdwn import escape, link, mention

MAX_ALERTS = 5
MAX_LINKS = 3
STATUS_EMOJI = {
    "triggered": ":red_circle:",
    "acknowledged": ":large_orange_circle:",
    "resolved": ":white_check_mark:",
}
SEVERITY_EMOJI = {"critical": ":rotating_light:", "warning": ":warning:", "info": ":information_source:"}

# action_id of each card button; the value of each is the incident id.
ACK = "incident_ack"
RESOLVE = "incident_resolve"
ESCALATE = "incident_escalate"
NOTE = "incident_note"
BUTTONS = (
    (ACK, "Acknowledge", "primary"),
    (RESOLVE, "Resolve", "danger"),
    (ESCALATE, "Escalate", None),
    (NOTE, "Add note", None),
)


@dataclass(frozen=True)
class AlertLine:
    alertname: str
    summary: str
    status: str


@dataclass(frozen=True)
class CardData:
    """What the card shows of one incident (built from the database by `card_source`)."""

    incident_id: int
    title: str
    severity: str
    service: str
    status: str
    opened_at: datetime
    updated_at: datetime
    incident_url: str
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    alerts: Sequence[AlertLine] = ()
    firing_alerts: int = 0
    runbook_urls: Sequence[str] = ()
    dashboard_urls: Sequence[str] = ()
    generator_urls: Sequence[str] = ()
    flapping: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def timestamp(moment: datetime) -> str:
    """A Slack date token (each reader sees their own time zone), with UTC as the fallback text."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def dashboard_over(url: str, start: datetime, end: datetime | None) -> str:
    """A Grafana dashboard URL showing the incident's time range (from 5 minutes before it started)."""
    start_ms = int(start.timestamp() * 1000) - 5 * 60 * 1000
    until = str(int(end.timestamp() * 1000) + 5 * 60 * 1000) if end else "now"
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}{urlencode({'from': start_ms, 'to': until})}"


def summary_text(card: CardData) -> str:
    """The notification text (push notifications and clients without blocks)."""
    return f"[{card.severity or 'unknown'}] #{card.incident_id} {escape(card.title)} — {card.status}"


def card_blocks(card: CardData) -> list[dict[str, Any]]:
    """The card: header, facts, firing alerts (capped), links and the action buttons."""
    severity = card.severity or "unknown"
    title = (
        f"{SEVERITY_EMOJI.get(severity, '')} *{link(card.incident_url, f'#{card.incident_id} {card.title}')}*"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": title.strip()}},
        {"type": "section", "fields": _fields(card, severity)},
    ]
    if card.alerts:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _alerts_text(card)}})
    links = _links(card)
    if links:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]})
    if card.status != "resolved":
        blocks.append(
            {"type": "actions", "block_id": f"incident:{card.incident_id}", "elements": _buttons(card)}
        )
    return blocks


def _fields(card: CardData, severity: str) -> list[dict[str, str]]:
    status = f"{STATUS_EMOJI.get(card.status, '')} {card.status}".strip()
    if card.flapping:
        status += " (flapping)"
    facts = [
        ("Severity", escape(severity)),
        ("Service", escape(card.service or "—")),
        ("Status", status),
        ("Opened", timestamp(card.opened_at)),
    ]
    if card.acknowledged_at is not None:
        facts.append(
            ("Acknowledged", f"{timestamp(card.acknowledged_at)} by {escape(card.acknowledged_by or '?')}")
        )
    if card.resolved_at is not None:
        facts.append(("Resolved", f"{timestamp(card.resolved_at)} by {escape(card.resolved_by or '?')}"))
    return [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in facts]


def _alerts_text(card: CardData) -> str:
    shown = card.alerts[:MAX_ALERTS]
    lines = [f"*Firing alerts ({card.firing_alerts})*" if card.firing_alerts else "*Alerts*"]
    for alert in shown:
        about = f" — {escape(alert.summary)}" if alert.summary else ""
        lines.append(f"• `{escape(alert.alertname)}` {alert.status}{about}")
    hidden = len(card.alerts) - len(shown)
    if hidden > 0:
        lines.append(f"and {hidden} more")
    return "\n".join(lines)


def _links(card: CardData) -> list[str]:
    found = [link(url, "Runbook") for url in card.runbook_urls[:MAX_LINKS]]
    for index, url in enumerate(card.dashboard_urls[:MAX_LINKS], start=1):
        label = "Dashboard" if len(card.dashboard_urls) == 1 else f"Dashboard {index}"
        found.append(link(dashboard_over(url, card.opened_at, card.resolved_at), label))
    for index, url in enumerate(card.generator_urls[:MAX_LINKS], start=1):
        found.append(link(url, "Query" if len(card.generator_urls) == 1 else f"Query {index}"))
    found.append(link(card.incident_url, "Incident page"))
    return found


def _buttons(card: CardData) -> list[dict[str, Any]]:
    buttons = []
    for action_id, label, style in BUTTONS:
        if action_id == ACK and card.status != "triggered":
            continue
        button: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": label},
            "value": str(card.incident_id),
        }
        if style:
            button["style"] = style
        buttons.append(button)
    return buttons


def step_text(line: str, slack_user_ids: Sequence[str]) -> str:
    """One escalation step: its line and one mention of everyone it pages."""
    mentions = " ".join(mention(user) for user in dict.fromkeys(slack_user_ids))
    return f"{escape(line)} {mentions}".strip()


def note_modal(incident_id: int, title: str) -> dict[str, Any]:
    """The Add note modal (`views.open`); its submission carries the incident id as private metadata."""
    return {
        "type": "modal",
        "callback_id": "incident_note_modal",
        "private_metadata": str(incident_id),
        "title": {"type": "plain_text", "text": "Add note"},
        "submit": {"type": "plain_text", "text": "Add"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"#{incident_id} {escape(title)}"[:3000]}},
            {
                "type": "input",
                "block_id": "note",
                "label": {"type": "plain_text", "text": "Note"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            },
        ],
    }


@dataclass(frozen=True)
class DigestEntry:
    incident_id: int
    title: str
    severity: str
    service: str
    status: str
    url: str


def digest_blocks(
    channel: str, entries: Sequence[DigestEntry], opened_at: datetime, incidents_url: str
) -> list[dict[str, Any]]:
    """The storm digest: how many incidents, by status and by service, and links to the newest."""
    by_status: dict[str, int] = {}
    by_group: dict[str, int] = {}
    for entry in entries:
        by_status[entry.status] = by_status.get(entry.status, 0) + 1
        group = f"{entry.service or '—'} / {entry.severity or '—'}"
        by_group[group] = by_group.get(group, 0) + 1
    counts = ", ".join(f"{count} {status}" for status, count in sorted(by_status.items()))
    top = sorted(by_group.items(), key=lambda item: (-item[1], item[0]))[:MAX_ALERTS]
    newest = sorted(entries, key=lambda entry: -entry.incident_id)[:MAX_ALERTS]
    lines = [f"• {link(e.url, f'#{e.incident_id}')} {escape(e.title)} ({e.status})" for e in newest]
    if len(entries) > len(newest):
        lines.append(f"and {len(entries) - len(newest)} more")
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f":cyclone: *Alert storm: {len(entries)} incidents* "
                f"since {timestamp(opened_at)} ({counts})",
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Top groups*\n" + "\n".join(f"• {escape(g)}: {c}" for g, c in top),
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Newest*\n" + "\n".join(lines)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": link(incidents_url, "All incidents")}]},
    ]


def digest_text(entries: Sequence[DigestEntry]) -> str:
    return f"Alert storm: {len(entries)} incidents"
