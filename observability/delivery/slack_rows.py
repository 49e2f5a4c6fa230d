"""Slack outbox rows, written in the transaction of the state change they show (pure SQL, no sending).

Kinds: `slack.channel` (create the incident channel, set its topic), `slack.card` (post the card),
`slack.card_update` (edit it; coalesced: the sender shows the latest state once), `slack.thread` (a
line under the card; an escalation step also invites and mentions whom it pages), `slack.digest`
(the storm digest, coalesced too), `slack.ephemeral` (an answer only the clicking user sees).
Rows of one stream (a channel) are sent in id order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from observability.delivery.routing import SlackRouting, routing_of
from observability.escalation.hooks import IncidentLike, incident_labels
from observability.store.delivery_models import (
    PLACE_CHANNEL,
    PLACE_DIGEST,
    PLACE_SHARED,
    SlackDigest,
    SlackIncident,
)
from observability.store.escalation_models import OUTBOX_PENDING, OutboxMessage
from observability.store.row_insert import RowInsert

CHANNEL = "slack.channel"
CARD = "slack.card"
CARD_UPDATE = "slack.card_update"
THREAD = "slack.thread"
DIGEST = "slack.digest"
EPHEMERAL = "slack.ephemeral"
SLACK_KINDS = (CHANNEL, CARD, CARD_UPDATE, THREAD, DIGEST, EPHEMERAL)
# Set on a session that queued rows: the app's sender is woken when it commits.
QUEUED_KEY = "obs.delivery.queued"
# Kinds that post a new message: each carries its outbox id as message metadata.
POSTING_KINDS = (CARD, THREAD, DIGEST)
# Kinds a failed answer leaves in doubt (Slack may have done it): posts, and creating the channel
DOUBTFUL_KINDS = (*POSTING_KINDS, CHANNEL)

_INSERT = RowInsert(
    OutboxMessage,
    (
        "incident_id",
        "kind",
        "target",
        "channel",
        "stream",
        "payload",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "last_error",
    ),
)


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    _INSERT.execute(session, rows)
    session.info[QUEUED_KEY] = True


def stream_of(place: SlackIncident) -> str:
    return (
        f"incident:{place.incident_id}" if place.place == PLACE_CHANNEL else f"channel:{place.channel_name}"
    )


def _row(
    incident_id: int,
    kind: str,
    channel: str,
    stream: str,
    payload: dict[str, Any],
    now: datetime,
    key: str = "",
) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "kind": kind,
        "target": f"slack:{channel or stream}",
        "channel": channel,
        "stream": stream,
        "payload": payload,
        "idempotency_key": key or f"{kind}:{incident_id}:{uuid.uuid4().hex}",
        "status": OUTBOX_PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
    }


def incident_opened(session: Session, incident: IncidentLike, now: datetime) -> None:
    """Place a new incident (its own channel, the shared channel, or the storm's digest) and queue it."""
    routing = routing_of(session)
    if routing is None:
        return
    place = _place(session, routing, incident, now)
    session.add(place)
    session.flush()
    stream = stream_of(place)
    if place.place == PLACE_CHANNEL:
        rows = [
            _row(incident.id, CHANNEL, "", stream, {}, now, f"{CHANNEL}:{incident.id}"),
            _row(incident.id, CARD, "", stream, {}, now, f"{CARD}:{incident.id}"),
        ]
    elif place.place == PLACE_SHARED:
        rows = [_row(incident.id, CARD, place.channel_name, stream, {}, now, f"{CARD}:{incident.id}")]
    else:
        rows = [_row(incident.id, DIGEST, place.channel_name, stream, {"digest_id": place.digest_id}, now)]
    _insert(session, rows)


def _place(session: Session, routing: SlackRouting, incident: IncidentLike, now: datetime) -> SlackIncident:
    place = SlackIncident(incident_id=incident.id, channel="", channel_name="", card_ts="", created_at=now)
    if incident.severity in routing.channel_severities:
        place.place = PLACE_CHANNEL
        return place
    policy = routing.matrix().policy_for(incident_labels(incident))
    place.channel_name = routing.shared_channel(policy)
    since = now - routing.storm_window
    recent = session.scalar(
        select(func.count())
        .select_from(SlackIncident)
        .where(SlackIncident.channel_name == place.channel_name, SlackIncident.created_at >= since)
    )
    if (recent or 0) < routing.storm_threshold:
        place.place = PLACE_SHARED
        return place
    digest = session.scalars(
        select(SlackDigest)
        .where(SlackDigest.channel == place.channel_name, SlackDigest.last_joined_at >= since)
        .order_by(SlackDigest.id.desc())
        .limit(1)
    ).first()
    if digest is None:
        digest = SlackDigest(
            channel=place.channel_name, channel_id="", ts="", opened_at=now, last_joined_at=now
        )
        session.add(digest)
        session.flush()
    digest.last_joined_at = now
    place.place, place.digest_id = PLACE_DIGEST, digest.id
    return place


def incident_changed(
    session: Session, incident_id: int, line: str, now: datetime, *, thread: bool = True, card: bool = True
) -> None:
    """A change: edit the card in place (`card`) and add `line` under it (`thread`); a digest is re-edited."""
    place = _existing(session, incident_id)
    if place is None:
        return
    stream = stream_of(place)
    if place.place == PLACE_DIGEST:
        rows = [_row(incident_id, DIGEST, place.channel_name, stream, {"digest_id": place.digest_id}, now)]
    else:
        rows = [_row(incident_id, CARD_UPDATE, place.channel_name, stream, {}, now)] if card else []
        if thread and line:
            rows.append(_row(incident_id, THREAD, place.channel_name, stream, {"text": line}, now))
    if rows:
        _insert(session, rows)


def steps_fired(
    session: Session, steps: Sequence[tuple[int, str, Sequence[str], bool]], now: datetime
) -> None:
    """Fired escalation steps (incident id, line, Slack ids paged, re-triggered): a thread message each.

    The message mentions everyone its step pages, once; in an incident channel they are invited.
    A step that re-triggered an acknowledged incident also edits its card.
    """
    if routing_of(session) is None or not steps:
        return
    ids = {incident_id for incident_id, *_ in steps}
    places = {
        p.incident_id: p
        for p in session.scalars(select(SlackIncident).where(SlackIncident.incident_id.in_(ids)))
    }
    rows = []
    for incident_id, line, slack_user_ids, retriggered in steps:
        place = places.get(incident_id)
        if place is None or place.place == PLACE_DIGEST:
            continue  # a digested incident is paged (its page rows) but has no thread to post in
        stream = stream_of(place)
        if retriggered:
            rows.append(_row(incident_id, CARD_UPDATE, place.channel_name, stream, {}, now))
        users = list(dict.fromkeys(slack_user_ids))
        if not users and place.place == PLACE_SHARED:
            continue  # it paged only channels (its card's own): a line in a busy shared channel says nothing
        payload = {"text": line, "mentions": users, "invite": users if place.place == PLACE_CHANNEL else []}
        rows.append(_row(incident_id, THREAD, place.channel_name, stream, payload, now))
    if rows:
        _insert(session, rows)


def ephemeral(session: Session, incident_id: int, channel: str, user: str, text: str, now: datetime) -> None:
    """An answer only `user` sees in `channel` (a button press the bot cannot act on)."""
    payload = {"user": user, "text": text}
    _insert(session, [_row(incident_id, EPHEMERAL, channel, "", payload, now)])


def _existing(session: Session, incident_id: int) -> SlackIncident | None:
    if routing_of(session) is None:
        return None
    return session.get(SlackIncident, incident_id)


def ingest_transition(
    session: Session, incident: IncidentLike, *, action: str, resolved_now: bool, now: datetime
) -> None:
    """What an Alertmanager notification did to an incident, as Slack rows (open, reopen, resolve, update)."""
    if routing_of(session) is None:
        return
    if action == "open" or (action == "reopen" and session.get(SlackIncident, incident.id) is None):
        incident_opened(session, incident, now)
    elif action == "reopen":
        incident_changed(session, incident.id, "reopened: its alerts are firing again", now)
    elif resolved_now:
        incident_changed(session, incident.id, "resolved: every alert has resolved", now)
    elif action == "update":
        incident_changed(session, incident.id, "", now, thread=False)
