"""The outgoing webhook through the outbox sender, against a real local HTTP receiver."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from observability.delivery.outbox_sender import OutboxSender
from observability.delivery.retry_policy import RetryPolicy
from observability.delivery.webhook_sender import WebhookSender
from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import OutboxMessage
from tests.delivery.conftest import T0, add_incident, add_row
from tests.support import free_port

SECRET = "s3cret"


class Receiver:
    """Answers with the queued statuses (then 200) and records every request."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def build(store_url: str, receiver: Receiver, clock: Clock) -> OutboxSender:
    sessions = session_factory(make_engine(store_url))
    webhook = WebhookSender(
        f"http://127.0.0.1:{receiver.port}/page", SECRET, public_url="http://obs", clock=clock, timeout=2
    )
    policy = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(seconds=4), dead_after=timedelta(minutes=2))
    return OutboxSender(sessions, [webhook], clock=clock, owner="t", policy=policy)


def page(sender: OutboxSender) -> int:
    with sender.sessions.begin() as session:
        return add_row(session, add_incident(session), kind="page", stream="", payload={"title": "API down"})


def test_pages_are_signed_over_timestamp_and_body_and_retried_after_a_server_error(
    store_url: str, receiver: Receiver
) -> None:
    clock = Clock()
    sender = build(store_url, receiver, clock)
    row = page(sender)
    receiver.answers = [(503, {})]
    assert asyncio.run(sender.drain()) == 1
    clock.now += timedelta(seconds=5)
    assert asyncio.run(sender.drain()) == 1
    assert len(receiver.requests) == 2
    for headers, body in receiver.requests:
        timestamp = headers["X-Obs-Timestamp"]
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert headers["X-Obs-Signature"] == f"sha256={expected}"
        assert headers["X-Obs-Delivery"] == str(row)
        assert json.loads(body)["title"] == "API down"
    with sender.sessions() as session:
        stored = session.get(OutboxMessage, row)
        assert stored is not None and (stored.status, stored.attempts) == ("sent", 2)


def test_a_429_waits_for_its_retry_after_and_a_4xx_is_a_dead_letter_at_once(
    store_url: str, receiver: Receiver
) -> None:
    clock = Clock()
    sender = build(store_url, receiver, clock)
    limited = page(sender)
    receiver.answers = [(429, {"Retry-After": "30"})]
    asyncio.run(sender.drain())
    clock.now += timedelta(seconds=20)
    assert asyncio.run(sender.drain()) == 0  # still inside Retry-After
    clock.now += timedelta(seconds=15)
    assert asyncio.run(sender.drain()) == 1
    rejected = page(sender)
    receiver.answers = [(400, {})]
    asyncio.run(sender.drain())
    with sender.sessions() as session:
        statuses = dict(session.execute(select(OutboxMessage.id, OutboxMessage.status)).all())
    assert statuses == {limited: "sent", rejected: "dead"}


def test_a_page_failing_past_the_dead_letter_time_is_given_up(store_url: str, receiver: Receiver) -> None:
    clock = Clock()
    sender = build(store_url, receiver, clock)
    row = page(sender)
    receiver.answers = [(500, {})] * 50
    while clock.now < T0 + timedelta(minutes=3):
        asyncio.run(sender.drain())
        clock.now += timedelta(seconds=5)
    with sender.sessions() as session:
        stored = session.get(OutboxMessage, row)
        assert stored is not None and stored.status == "dead" and "500" in stored.last_error
    assert 2 < len(receiver.requests) < 50
