"""Fixtures of the ingest tests: a migrated store on both backends and the app on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from observability.config import load_settings
from observability.web.app import create_app
from tests.ingest.payloads import T0
from tests.ingest.stores import store_url

__all__ = ["store_url"]

TOKEN = "test-webhook-token"
WEBHOOK = "/api/v1/webhooks/alertmanager"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    """A settable clock the app reads through `app.state.clock`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + timedelta(minutes=1))


@pytest.fixture
def client(store_url: str, clock: Clock) -> Iterator[TestClient]:
    settings = load_settings(database_url=store_url, webhook_token=TOKEN, reopen_window_seconds=1800)
    app = create_app(settings)
    app.state.clock = clock
    # Not entered as a context manager: the lifespan (the escalation scheduler's ticks) stays off,
    # so these tests see only what the ingest does.
    yield TestClient(app)
    app.state.engine.dispose()
