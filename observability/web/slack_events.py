"""`POST /slack/events`: slack-bolt's AsyncApp for events, interactivity and slash commands; delivery.

`install` builds the process's delivery (the outbox sender and its senders) and, when Slack is
configured, the bot; `schedule` runs the outbox sender on the process's scheduler. Bolt checks
every request's signature with OBS_SLACK_SIGNING_SECRET and a 5-minute window (401 otherwise,
before any listener runs); listeners run before the response (`process_before_response`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from observability.config import Settings
from observability.delivery import cards
from observability.delivery.runtime import DEFAULT_SLACK_API, add_job, build_delivery
from observability.web.clock import clock_of
from observability.web.runbook_links import runbook_slug_finder
from observability.web.slack_bot import SlackBot
from observability.web.slack_people import SlackPeople

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
NOTE_MODAL = "incident_note_modal"

router = APIRouter(tags=["slack"])


def install(app: FastAPI) -> None:
    """Build delivery for this process, and the Slack bot when its token and signing secret are set."""
    settings: Settings = app.state.settings
    app.state.delivery = build_delivery(
        settings,
        app.state.sessions,
        clock=clock_of(app),
        matrix=lambda: app.state.matrix,
        runbook_slug_of=runbook_slug_finder(app),
    )
    app.state.slack_handler = None
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        if settings.slack_bot_token is not None:
            log.warning("the Slack bot is off: OBS_SLACK_SIGNING_SECRET is not set (no buttons or /incident)")
        return
    app.state.slack_handler = AsyncSlackRequestHandler(bolt_app(app, settings))


def bolt_app(app: FastAPI, settings: Settings) -> AsyncApp:
    """The AsyncApp and its listeners, on the app's sessions, matrix and clock."""
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    token = settings.slack_bot_token.get_secret_value()
    base_url = settings.slack_api_url or DEFAULT_SLACK_API
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    client = AsyncWebClient(token=token, base_url=base_url)

    async def authorize(**kwargs: Any) -> AuthorizeResult:
        # One workspace, one bot token: no auth.test round trip on a request's 3-second budget.
        return AuthorizeResult(
            enterprise_id=kwargs.get("enterprise_id"), team_id=kwargs.get("team_id"), bot_token=token
        )

    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # Tokenless: bolt gives each request a client with the token `authorize` returns.
        client=AsyncWebClient(base_url=base_url),
        authorize=authorize,
        process_before_response=True,
        ignoring_self_events_enabled=False,
    )
    bot = SlackBot(
        app.state.sessions,
        matrix=lambda: app.state.matrix,
        clock=clock_of(app),
        people=SlackPeople(client, lambda: app.state.matrix),
        public_url=settings.public_url,
    )
    bolt.action(re.compile(f"^({cards.ACK}|{cards.RESOLVE}|{cards.ESCALATE})$"))(bot.on_button)
    bolt.action(cards.NOTE)(bot.on_note_button)
    bolt.view(NOTE_MODAL)(bot.on_note_submitted)
    bolt.command("/incident")(bot.on_command)
    return bolt


def schedule(app: FastAPI, scheduler: BaseScheduler) -> None:
    """Drain the outbox on the process's scheduler."""
    add_job(scheduler, app.state.delivery)


# Slack's protocol, not this API's: left out of the OpenAPI (what it answers depends on whether
# the bot is configured: 401 for a bad signature, 404 without a signing secret).
@router.post(SLACK_EVENTS_PATH, response_class=Response, include_in_schema=False)
async def slack_events(request: Request) -> Response:
    """Slack's events, interactivity and slash commands (signed with the app's signing secret)."""
    handler: AsyncSlackRequestHandler | None = request.app.state.slack_handler
    if handler is None:
        return JSONResponse(
            {"detail": "the Slack bot is not configured (OBS_SLACK_BOT_TOKEN, OBS_SLACK_SIGNING_SECRET)"},
            status_code=status.HTTP_404_NOT_FOUND,
        )
    return await handler.handle(request)
