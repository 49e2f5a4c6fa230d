"""The Slack sender: incident channels, cards edited in place, thread lines, digests (slack-sdk).

Exactly once: every posted message carries `metadata` {event_type: obs_outbox, outbox_id}. A row
whose last attempt may have been accepted (timeout, 5xx, a sender that died holding it) is first
looked for in the channel (`conversations.history`, or `conversations.replies` for a thread line)
and only posted when it is not there; a channel create in doubt that then meets `name_taken` takes
the channel if this bot created it (slack_lookup.py). Rate limits are held per (method, channel),
never for all.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from observability.delivery import cards, slack_rows
from observability.delivery.card_source import RunbookSlugOf, card_data, digest_entries, no_runbook_pages
from observability.delivery.channel_names import channel_name
from observability.delivery.mrkdwn import escape
from observability.delivery.sender import Message, Outcome, Result, retry, sent
from observability.delivery.slack_lookup import METADATA_EVENT, ChannelDirectory, find_post
from observability.store.delivery_models import PLACE_CHANNEL, SlackDigest, SlackIncident
from observability.store.engine import serial_writes
from observability.store.escalation_models import OUTBOX_PENDING, OUTBOX_SENT, OutboxMessage
from observability.store.models import Incident

log = logging.getLogger(__name__)

NAME_ATTEMPTS = 20
# Errors that no retry can fix: the row is a dead letter at once.
FATAL_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "not_in_channel",
        "restricted_action",
    }
)
# conversations.invite answers these for people who need no invite; the step goes on.
INVITE_DONE = frozenset({"already_in_channel", "cant_invite_self", "user_not_found", "user_is_restricted"})


class SlackSender:
    """Sends the `slack.*` outbox kinds through one AsyncWebClient."""

    def __init__(
        self,
        client: AsyncWebClient,
        sessions: sessionmaker[Session],
        *,
        public_url: str,
        clock: Callable[[], datetime],
        runbook_slug_of: RunbookSlugOf = no_runbook_pages,
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.public_url = public_url
        self.runbook_slug_of = runbook_slug_of
        self.clock = clock
        self._holds: dict[tuple[str, str], float] = {}
        self.directory = ChannelDirectory(self._call)

    def handles(self, kind: str) -> bool:
        return kind in slack_rows.SLACK_KINDS

    async def send(self, message: Message) -> Result:
        try:
            handler = self._handlers[message.kind]
            return await handler(self, message)
        except _Held as held:
            return retry(f"{held.method} rate-limited for {held.channel}", held.remaining, held.method)
        except SlackApiError as exc:
            return self._failed(exc, message)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            return Result(_doubt_or_retry(message), error=error)

    # --- the kinds -------------------------------------------------------------------------
    async def _channel(self, message: Message) -> Result:
        with self.sessions() as session:
            place = session.get(SlackIncident, message.incident_id)
            incident = session.get(Incident, message.incident_id)
            if place is None or incident is None:
                return Result(Outcome.SKIPPED, error="the incident has no Slack place")
            channel, opened_at = place.channel, incident.opened_at
            title = escape(incident.title)
            topic = f"[{incident.severity or 'unknown'}] {title} — {self._incident_url(incident.id)}"
        if not channel:
            created = await self._create_channel(message, opened_at, incident.title)
            if created is None:
                return Result(Outcome.FAILED, error=f"name_taken for {NAME_ATTEMPTS} names in a row")
            channel = created
        # At most 250 characters; escaped like mrkdwn so an alert cannot mention @channel there.
        await self._call("conversations.setTopic", channel, channel=channel, topic=topic[:250])
        return sent(channel)

    async def _create_channel(self, message: Message, opened_at: datetime, title: str) -> str | None:
        incident_id = message.incident_id
        for attempt in range(NAME_ATTEMPTS):
            name = channel_name(incident_id, opened_at, title, attempt)
            try:
                response = await self._call("conversations.create", "", name=name, is_private=False)
                channel_id = str(response["channel"]["id"])
            except SlackApiError as exc:
                if _error(exc) != "name_taken":
                    raise
                # In doubt, the taken name may be this row's own channel, created before a crash
                # or a lost answer: take it rather than leave it empty and make the next one.
                adopted = (
                    await self.directory.own_channel(name, message.created_at) if message.in_doubt else None
                )
                if adopted is None:
                    continue  # the next name at once: waiting would not free this one
                log.info("incident %s: taking channel %s, created by an attempt in doubt", incident_id, name)
                channel_id = adopted
            # Stored at once, in its own transaction: a retry must not create a second channel.
            with serial_writes(self.sessions), self.sessions.begin() as session:
                place = session.get(SlackIncident, incident_id)
                if place is not None:
                    place.channel, place.channel_name = channel_id, name
            return channel_id
        return None

    async def _card(self, message: Message) -> Result:
        with self.sessions() as session:
            place = session.get(SlackIncident, message.incident_id)
            card = card_data(session, message.incident_id, self.public_url, self.runbook_slug_of)
            known = place and (place.channel or channel_id_of(session, place.channel_name))
        if place is None or card is None:
            return Result(Outcome.SKIPPED, error="the incident has no Slack place")
        channel = known or place.channel_name
        if not channel:
            return retry("the incident channel is not created yet")
        if message.in_doubt and (found := await self._find(channel, message.id, message.created_at)):
            return sent(found[1], self._store_card(message.incident_id, found[0], found[1]))
        response = await self._post(
            message, channel, text=cards.summary_text(card), blocks=cards.card_blocks(card)
        )
        return sent(
            response["ts"], self._store_card(message.incident_id, response["channel"], response["ts"])
        )

    async def _card_update(self, message: Message) -> Result:
        with self.sessions() as session:
            place = session.get(SlackIncident, message.incident_id)
            card = card_data(session, message.incident_id, self.public_url, self.runbook_slug_of)
            # Read with the card: these are what this one edit shows, so they need no edit of their own.
            covered = _pending_ids(session, message, slack_rows.CARD_UPDATE)
        if place is None or card is None or not place.card_ts:
            return Result(Outcome.SKIPPED, error="the incident has no card to update")
        await self._call(
            "chat.update",
            place.channel,
            channel=place.channel,
            ts=place.card_ts,
            text=cards.summary_text(card),
            blocks=cards.card_blocks(card),
        )
        return sent(place.card_ts, _coalesce(covered, message.id, self.clock))

    async def _thread(self, message: Message) -> Result:
        with self.sessions() as session:
            place = session.get(SlackIncident, message.incident_id)
        if place is None or not place.card_ts:
            return Result(Outcome.SKIPPED, error="the incident has no card to thread under")
        users = [str(user) for user in message.payload.get("invite", [])]
        if users and place.place == PLACE_CHANNEL:
            await self._invite(place.channel, users)
        text = cards.step_text(str(message.payload.get("text", "")), message.payload.get("mentions", []))
        if message.in_doubt and (
            found := await self._find(place.channel, message.id, message.created_at, place.card_ts)
        ):
            return sent(found[1])
        response = await self._post(message, place.channel, text=text, thread_ts=place.card_ts)
        return sent(response["ts"])

    async def _invite(self, channel: str, users: list[str]) -> None:
        try:
            await self._call("conversations.invite", channel, channel=channel, users=",".join(users))
        except SlackApiError as exc:
            if _error(exc) not in INVITE_DONE:
                raise

    async def _digest(self, message: Message) -> Result:
        digest_id = int(message.payload.get("digest_id") or 0)
        with self.sessions() as session:
            digest = session.get(SlackDigest, digest_id)
            entries = digest_entries(session, digest_id, self.public_url)
            covered = [
                row_id
                for row_id, payload in session.execute(
                    select(OutboxMessage.id, OutboxMessage.payload).where(
                        OutboxMessage.stream == message.stream,
                        OutboxMessage.kind == slack_rows.DIGEST,
                        OutboxMessage.status == OUTBOX_PENDING,
                        OutboxMessage.id != message.id,
                    )
                )
                if int((payload or {}).get("digest_id") or 0) == digest_id
            ]
        if digest is None:
            return Result(Outcome.SKIPPED, error="the digest is gone")
        blocks = cards.digest_blocks(
            digest.channel, entries, digest.opened_at, f"{self.public_url.rstrip('/')}/incidents/"
        )
        text = cards.digest_text(entries)
        if digest.ts:
            await self._call(
                "chat.update",
                digest.channel_id,
                channel=digest.channel_id,
                ts=digest.ts,
                text=text,
                blocks=blocks,
            )
            return sent(digest.ts, _coalesce(covered, message.id, self.clock))
        with self.sessions() as session:
            channel = channel_id_of(session, digest.channel) or digest.channel
        if message.in_doubt and (found := await self._find(channel, message.id, message.created_at)):
            channel_id, ts = found
        else:
            response = await self._post(message, channel, text=text, blocks=blocks)
            channel_id, ts = response["channel"], response["ts"]
        coalesce = _coalesce(covered, message.id, self.clock)

        def record(session: Session) -> None:
            stored = session.get(SlackDigest, digest_id)
            if stored is not None:
                stored.channel_id, stored.ts = channel_id, ts
            # Posted with the entries read above; later joiners still need an edit.
            coalesce(session)

        return sent(ts, record)

    async def _ephemeral(self, message: Message) -> Result:
        user, text = str(message.payload.get("user", "")), str(message.payload.get("text", ""))
        await self._call("chat.postEphemeral", message.channel, channel=message.channel, user=user, text=text)
        return sent()

    _handlers: dict[str, Callable[[SlackSender, Message], Any]] = {
        slack_rows.CHANNEL: _channel,
        slack_rows.CARD: _card,
        slack_rows.CARD_UPDATE: _card_update,
        slack_rows.THREAD: _thread,
        slack_rows.DIGEST: _digest,
        slack_rows.EPHEMERAL: _ephemeral,
    }

    # --- calls -------------------------------------------------------------------------------
    async def _post(self, message: Message, channel: str, **fields: Any) -> Any:
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"outbox_id": message.id, "incident_id": message.incident_id},
        }
        return await self._call("chat.postMessage", channel, channel=channel, metadata=metadata, **fields)

    async def _call(self, method: str, where: str, /, **fields: Any) -> Any:
        """One Web API call, refused at once while (method, channel `where`) is rate-limited."""
        until = self._holds.get((method, where))
        now = time.monotonic()
        if until is not None:
            if until > now:
                raise _Held(method, where, until - now)
            del self._holds[(method, where)]
        try:
            # The typed method: it sends each method the way Slack takes it (JSON, form or query).
            return await getattr(self.client, method.replace(".", "_"))(**fields)
        except SlackApiError as exc:
            if exc.response.status_code == 429 or _error(exc) == "ratelimited":
                self._holds[(method, where)] = now + _retry_after(exc)
            raise

    async def _find(
        self, channel: str, message_id: int, since: datetime, thread_ts: str = ""
    ) -> tuple[str, str] | None:
        return await find_post(self._call, self.directory, channel, message_id, since, thread_ts)

    def _failed(self, exc: SlackApiError, message: Message) -> Result:
        status, error = exc.response.status_code, _error(exc)
        text = f"{status} {error or 'error'}"
        if status == 429 or error == "ratelimited":
            return retry(text, _retry_after(exc))
        if error == "message_limit_exceeded":
            return retry(text)
        if status >= 500:
            return Result(_doubt_or_retry(message), error=text)
        if error in FATAL_ERRORS:
            return Result(Outcome.FAILED, error=text)
        return retry(text)

    def _store_card(self, incident_id: int, channel: str, ts: str) -> Callable[[Session], None]:
        def record(session: Session) -> None:
            place = session.get(SlackIncident, incident_id)
            if place is not None:
                place.channel, place.card_ts = str(channel), str(ts)

        return record

    def _incident_url(self, incident_id: int) -> str:
        return f"{self.public_url.rstrip('/')}/incidents/{incident_id}"

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[None]:
        """One HTTP session for a run of the sender (a session per call costs a TLS context each)."""
        async with aiohttp.ClientSession() as session:
            self.client.session = session
            try:
                yield
            finally:
                self.client.session = None


def channel_id_of(session: Session, channel: str) -> str:
    """The Slack id of a shared channel known by name, once any post there returned it ("" before)."""
    if not channel.startswith("#"):
        return channel
    found = session.scalar(
        select(SlackIncident.channel)
        .where(SlackIncident.channel_name == channel, SlackIncident.channel != "")
        .limit(1)
    ) or session.scalar(
        select(SlackDigest.channel_id)
        .where(SlackDigest.channel == channel, SlackDigest.channel_id != "")
        .limit(1)
    )
    return found or ""


def _pending_ids(session: Session, message: Message, kind: str) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.incident_id == message.incident_id,
                OutboxMessage.kind == kind,
                OutboxMessage.status == OUTBOX_PENDING,
                OutboxMessage.id != message.id,
            )
        )
    )


def _coalesce(ids: list[int], into: int, clock: Callable[[], datetime]) -> Callable[[Session], None]:
    """Mark rows whose state an edit already showed as sent by that edit."""

    def record(session: Session) -> None:
        if not ids:
            return
        from sqlalchemy import update

        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OUTBOX_PENDING)
            .values(status=OUTBOX_SENT, sent_at=clock(), last_error=f"coalesced into #{into}")
            .execution_options(synchronize_session=False)
        )

    return record


def _doubt_or_retry(message: Message) -> Outcome:
    """A failure after which Slack may have done the call anyway: a post or a channel create."""
    return Outcome.IN_DOUBT if message.kind in slack_rows.DOUBTFUL_KINDS else Outcome.RETRY


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _retry_after(exc: SlackApiError) -> float:
    headers = {str(key).lower(): value for key, value in (exc.response.headers or {}).items()}
    try:
        return max(float(headers.get("retry-after", 1)), 0.0)
    except (TypeError, ValueError):
        return 1.0


class _Held(Exception):
    def __init__(self, method: str, channel: str, remaining: float) -> None:
        super().__init__(method)
        self.method, self.channel, self.remaining = method, channel, remaining
