"""The Slack bot's listeners: buttons, the note modal and `/incident`, each acknowledged within 3 s.

A listener maps the user to a person, does its work in one database transaction (dedup key,
transition, audit, the Slack rows it causes) and only then acknowledges: nothing runs in the
background, so a restart loses nothing. Answers to the clicking user are ephemeral: a slash
command's in the acknowledgement itself, a button's as a `slack.ephemeral` outbox row.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from observability import audit, incident_actions
from observability.delivery import cards, slack_rows
from observability.delivery.card_source import incident_url
from observability.delivery.mrkdwn import escape, link, mention
from observability.escalation.matrix import Matrix, Person
from observability.escalation.oncall import roster
from observability.store.delivery_models import PLACE_CHANNEL, SlackIncident
from observability.store.engine import serial_writes
from observability.store.models import Incident
from observability.web import slack_actions
from observability.web.slack_commands import ACTING, HELP, Command, parse
from observability.web.slack_people import SlackPeople

log = logging.getLogger(__name__)

NOT_MAPPED = (
    "You are not in the escalation matrix, so you cannot act on incidents from Slack. Ask an admin to "
    "add your Slack member id (or your email) to incident/people.yml."
)
MAX_LISTED = 10
BUTTON_ACTIONS = {
    cards.ACK: (audit.INCIDENT_ACKNOWLEDGE, "acknowledged"),
    cards.RESOLVE: (audit.INCIDENT_RESOLVE, "resolved"),
    cards.ESCALATE: (audit.INCIDENT_ESCALATE, "escalated"),
}


def request_key(body: dict[str, Any]) -> str:
    """What makes a Slack request unique across its retries: trigger id, event id, or the body."""
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    return "body:" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class SlackBot:
    """Listeners over the incident actions; `sessions`, `matrix` and `clock` are the app's."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        matrix: Callable[[], Matrix],
        clock: Callable[[], datetime],
        people: SlackPeople,
        public_url: str,
    ) -> None:
        self.sessions, self.matrix, self.clock = sessions, matrix, clock
        self.people, self.public_url = people, public_url

    # --- buttons --------------------------------------------------------------------------------
    async def on_button(self, ack: Callable[..., Any], body: dict[str, Any]) -> None:
        """Acknowledge, Resolve or Escalate on a card."""
        action = body["actions"][0]
        audit_action, done = BUTTON_ACTIONS[action["action_id"]]
        incident_id = _int(action.get("value"))
        user, channel = body["user"]["id"], (body.get("channel") or {}).get("id", "")
        person = await self.people.person(user)
        now = self.clock()
        if incident_id is None:
            await ack()
            return
        if person is None:
            await asyncio.to_thread(
                self._tell, request_key(body), incident_id, channel, user, NOT_MAPPED, now
            )
            await ack()
            return
        changes: dict[str, Callable[..., Incident]] = {
            cards.ACK: partial(incident_actions.acknowledge, matrix=self.matrix()),
            cards.RESOLVE: incident_actions.resolve,
            cards.ESCALATE: partial(incident_actions.escalate_now, matrix=self.matrix()),
        }
        change = changes[action["action_id"]]

        def work(session: Session) -> tuple[str, int | None, dict[str, Any]]:
            incident = change(session, incident_id=incident_id, actor=person.id, now=now)
            return f"#{incident_id} {done}.", incident_id, _details(user, incident.status)

        reply = await self._apply(body, person, audit_action, work, now, kind="block_actions")
        if not reply.ok:
            await asyncio.to_thread(self._tell, None, incident_id, channel, user, reply.text, now)
        await ack()

    async def on_note_button(
        self, ack: Callable[..., Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Add note: open the modal (views.open must use the trigger within 3 s, so not the outbox)."""
        incident_id = _int(body["actions"][0].get("value"))
        user, channel = body["user"]["id"], (body.get("channel") or {}).get("id", "")
        await ack()
        if incident_id is None:
            return
        if await self.people.person(user) is None:
            await asyncio.to_thread(
                self._tell, request_key(body), incident_id, channel, user, NOT_MAPPED, self.clock()
            )
            return
        title = await asyncio.to_thread(self._title, incident_id)
        try:
            await client.views_open(
                trigger_id=body["trigger_id"], view=cards.note_modal(incident_id, title or "")
            )
        except SlackApiError as exc:
            log.warning("views.open for incident %s failed: %s", incident_id, exc.response.get("error"))

    async def on_note_submitted(self, ack: Callable[..., Any], body: dict[str, Any]) -> None:
        """The note modal's submission: add the note, close the modal (or show why not)."""
        view = body["view"]
        incident_id = _int(view.get("private_metadata"))
        text = str(
            ((view.get("state") or {}).get("values") or {}).get("note", {}).get("text", {}).get("value") or ""
        )
        person = await self.people.person(body["user"]["id"])
        if person is None or incident_id is None or not text.strip():
            error = NOT_MAPPED if person is None else "Write a note first."
            await ack(response_action="errors", errors={"note": error})
            return
        now = self.clock()
        reply = await self._apply(
            body,
            person,
            audit.INCIDENT_NOTE,
            self._note(incident_id, person, text, body["user"]["id"], now),
            now,
            kind="view_submission",
        )
        if reply.ok:
            await ack()
        else:
            await ack(response_action="errors", errors={"note": reply.text})

    # --- /incident ------------------------------------------------------------------------------
    async def on_command(self, ack: Callable[..., Any], body: dict[str, Any]) -> None:
        parsed = parse(str(body.get("text") or ""))
        if isinstance(parsed, str):
            await ack(parsed)
            return
        user = str(body.get("user_id") or "")
        person = await self.people.person(user)
        if parsed.name in ACTING and person is None:
            await ack(NOT_MAPPED)
            return
        now = self.clock()
        text = await self._command(parsed, body, person, now)
        await ack(text)

    async def _command(
        self, command: Command, body: dict[str, Any], person: Person | None, now: datetime
    ) -> str:
        if command.name == "help":
            return HELP
        if command.name == "who":
            return self._who(now)
        if command.name == "new":
            assert person is not None
            return (
                await self._apply(
                    body, person, audit.INCIDENT_DECLARE, self._declare(command.rest, person, now), now
                )
            ).text
        channel = str(body.get("channel_id") or "")
        incident_id = command.incident_id or await asyncio.to_thread(self._incident_of_channel, channel)
        if command.name == "status":
            return await asyncio.to_thread(self._status, incident_id)
        if incident_id is None:
            return (
                f"This is not an incident channel: name the incident, e.g. `/incident {command.name} #42 …`."
            )
        if command.name == "review":
            return f"Review of #{incident_id}: {self.public_url.rstrip('/')}/incidents/{incident_id}/review"
        assert person is not None
        user = str(body.get("user_id") or "")
        change, action = self._change(command, incident_id, person, user, now)
        return (await self._apply(body, person, action, change, now)).text

    def _change(
        self, command: Command, incident_id: int, person: Person, user: str, now: datetime
    ) -> tuple[slack_actions.Change, str]:
        if command.name == "note":
            return self._note(incident_id, person, command.rest, user, now), audit.INCIDENT_NOTE
        if command.name == "severity":

            def severity(session: Session) -> tuple[str, int | None, dict[str, Any]]:
                level = command.rest.split()[0].lower()
                changed = incident_actions.change_severity(
                    session,
                    incident_id=incident_id,
                    actor=person.id,
                    severity=level,
                    now=now,
                    matrix=self.matrix(),
                )
                details = _details(user, changed.incident.status, **changed.audit_details())
                return f"#{incident_id} is {level} now.", incident_id, details

            return severity, audit.INCIDENT_SEVERITY
        if command.name == "ack":

            def acknowledge(session: Session) -> tuple[str, int | None, dict[str, Any]]:
                incident = incident_actions.acknowledge(
                    session, incident_id=incident_id, actor=person.id, now=now, matrix=self.matrix()
                )
                return f"#{incident_id} acknowledged.", incident_id, _details(user, incident.status)

            return acknowledge, audit.INCIDENT_ACKNOWLEDGE

        def resolve(session: Session) -> tuple[str, int | None, dict[str, Any]]:
            if command.rest:
                incident_actions.add_note(
                    session, incident_id=incident_id, actor=person.id, text=command.rest, now=now
                )
            incident = incident_actions.resolve(session, incident_id=incident_id, actor=person.id, now=now)
            noted = f" Note: {escape(command.rest)}" if command.rest else ""
            return (
                f"#{incident_id} resolved.{noted}",
                incident_id,
                _details(user, incident.status, note=command.rest),
            )

        return resolve, audit.INCIDENT_RESOLVE

    def _note(
        self, incident_id: int, person: Person, text: str, user: str, now: datetime
    ) -> slack_actions.Change:
        def note(session: Session) -> tuple[str, int | None, dict[str, Any]]:
            event = incident_actions.add_note(
                session, incident_id=incident_id, actor=person.id, text=text, now=now
            )
            return (
                f"Note added to #{incident_id}.",
                incident_id,
                {"via": "slack", "slack_user_id": user, "timeline_event_id": event.id, "text": text},
            )

        return note

    def _declare(self, title: str, person: Person, now: datetime) -> slack_actions.Change:
        def declare(session: Session) -> tuple[str, int | None, dict[str, Any]]:
            incident = incident_actions.declare(
                session,
                title=title,
                severity="critical",
                service="",
                actor=person.id,
                now=now,
                matrix=self.matrix(),
            )
            url = incident_url(self.public_url, incident.id)
            return (
                f"Declared #{incident.id} {escape(title)}: {url}",
                incident.id,
                {"via": "slack", "title": title},
            )

        return declare

    async def _apply(
        self,
        body: dict[str, Any],
        person: Person,
        action: str,
        change: slack_actions.Change,
        now: datetime,
        kind: str = "command",
    ) -> slack_actions.Reply:
        return await asyncio.to_thread(
            slack_actions.apply,
            self.sessions,
            key=request_key(body),
            kind=kind,
            actor=person.id,
            action=action,
            target=lambda incident_id: audit.incident_target(incident_id) if incident_id else "incident",
            change=change,
            now=now,
        )

    # --- reads ----------------------------------------------------------------------------------
    def _who(self, now: datetime) -> str:
        lines = ["*On call now*"]
        matrix = self.matrix()
        for entry in roster(matrix, now):
            person = matrix.people[entry.shift.person]
            until = cards.timestamp(entry.shift.end)
            name = escape(entry.rotation.name or entry.rotation.id)
            lines.append(f"• {name}: {mention(person.slack_user_id)} until {until}")
        return "\n".join(lines)

    def _status(self, incident_id: int | None) -> str:
        with self.sessions() as session:
            if incident_id is not None:
                incident = session.get(Incident, incident_id)
                if incident is None:
                    return f"No incident #{incident_id}."
                return _status_line(incident, self.public_url)
            open_ones = list(
                session.scalars(
                    select(Incident)
                    .where(Incident.status != "resolved")
                    .order_by(Incident.id.desc())
                    .limit(MAX_LISTED)
                )
            )
        if not open_ones:
            return "No open incidents."
        return "*Open incidents*\n" + "\n".join(
            _status_line(incident, self.public_url) for incident in open_ones
        )

    def _incident_of_channel(self, channel: str) -> int | None:
        with self.sessions() as session:
            return session.scalar(
                select(SlackIncident.incident_id).where(
                    SlackIncident.channel == channel, SlackIncident.place == PLACE_CHANNEL
                )
            )

    def _title(self, incident_id: int) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(Incident.title).where(Incident.id == incident_id))

    def _tell(
        self, key: str | None, incident_id: int, channel: str, user: str, text: str, now: datetime
    ) -> None:
        """Queue an ephemeral answer (once per request `key` when given)."""
        if key is not None and not slack_actions.remember(
            self.sessions, key=key, kind="refused", actor=user, now=now
        ):
            return
        with serial_writes(self.sessions), self.sessions.begin() as session:
            if session.get(Incident, incident_id) is not None and channel:
                slack_rows.ephemeral(session, incident_id, channel, user, text, now)


def _status_line(incident: Incident, public_url: str) -> str:
    url = incident_url(public_url, incident.id)
    about = f"{incident.severity or 'unknown'}, {incident.status}"
    return f"• {link(url, f'#{incident.id}')} {escape(incident.title)} — {about}"


def _details(user: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"via": "slack", "slack_user_id": user, "status": status, **{k: v for k, v in extra.items() if v}}


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
