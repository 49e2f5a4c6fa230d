"""Fixtures of the ingest tests: a migrated store on both backends and the app on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from observability.config import load_settings
from observability.store.migrate import upgrade
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


def app_client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """A client of the app on a migrated database, its lifespan (the scheduler's jobs) off."""
    settings = load_settings(database_url=database_url, webhook_token=TOKEN, reopen_window_seconds=1800)
    app = create_app(settings)
    app.state.clock = clock
    # Not entered as a context manager: the lifespan (the escalation scheduler's ticks) stays off,
    # so these tests see only what the ingest does.
    yield TestClient(app)
    app.state.engine.dispose()


@pytest.fixture
def client(store_url: str, clock: Clock) -> Iterator[TestClient]:
    """The app on SQLite, then on PostgreSQL."""
    yield from app_client(store_url, clock)


@pytest.fixture
def postgres_client(postgres_url: str, clock: Clock) -> Iterator[TestClient]:
    """The app on PostgreSQL only (for what SQLite has no equivalent of)."""
    upgrade(postgres_url)
    yield from app_client(postgres_url, clock)
