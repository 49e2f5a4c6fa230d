"""An app per test on a fresh migrated SQLite file, with an injected clock and tokens of each role."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from observability.auth.tokens import hash_token
from observability.config import Settings, load_settings
from observability.store.migrate import upgrade
from observability.web.app import create_app

WEBHOOK_TOKEN = "webhook-secret-token"
TOKENS = {"viewer": "viewer-token-1", "responder": "responder-token-1", "admin": "admin-token-1"}
API_TOKENS = ",".join(f"{role}-bot:{role}:{hash_token(token)}" for role, token in TOKENS.items())
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@dataclass
class Service:
    """The app under test, its client and clock, and a way to post Alertmanager notifications."""

    app: FastAPI
    client: TestClient
    clock: Clock
    posted: list[dict[str, Any]] = field(default_factory=list)

    def notify(self, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/webhooks/alertmanager",
            json=payload,
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def fire(self, group: str, **kwargs: Any) -> int:
        """Post a firing notification for `group`; the incident id it lands in."""
        incident_id = self.notify(notification(group, **kwargs))["incident_id"]
        assert isinstance(incident_id, int)
        return incident_id


def alert(
    name: str = "PlatformApiDown",
    *,
    status: str = "firing",
    fingerprint: str | None = None,
    severity: str = "critical",
    service: str = "api",
    starts_at: datetime = START,
    summary: str | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "severity": severity, "service": service},
        "annotations": {"summary": summary or f"{name} on {service}"},
        "startsAt": starts_at.isoformat(),
        "endsAt": (starts_at + timedelta(minutes=5)).isoformat()
        if status == "resolved"
        else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint or f"{name}-{service}-{severity}",
    }


def notification(
    group: str, *, alerts: list[dict[str, Any]] | None = None, **alert_fields: Any
) -> dict[str, Any]:
    alerts = alerts or [alert(**alert_fields)]
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4",
        "groupKey": group,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "obs",
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    }


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(svc: Service) -> Samples:
    """Every sample of the service's /metrics, keyed by name and sorted labels."""
    response = svc.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def settings_for(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "webhook_token": WEBHOOK_TOKEN,
        "api_tokens": API_TOKENS,
        # The escalation scheduler's runs last one tick; short ticks let each app stop quickly.
        "escalation_tick_seconds": 0.1,
    }
    return load_settings(**(values | overrides))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; tests get copies (migrating each costs more)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def make_service(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Callable[..., Service]]:
    """Build services on a migrated database (SQLite under tmp_path unless a URL is given)."""
    clients: list[TestClient] = []

    def build(database_url: str | None = None, *, migrate: bool = True, **overrides: Any) -> Service:
        url = database_url
        if url is None:
            path = tmp_path / f"obs{len(clients)}.db"
            if migrate:
                shutil.copyfile(migrated_sqlite, path)
            url = f"sqlite:///{path}"
        elif migrate:
            upgrade(url)
        app = create_app(settings_for(url, **overrides))
        clock = Clock()
        app.state.clock = clock
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Service(app, client, clock)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def svc(make_service: Callable[..., Service]) -> Service:
    return make_service()


@pytest.fixture(params=["sqlite", "postgresql"])
def svc_on(request: pytest.FixtureRequest) -> Service:
    """The service on SQLite, then on a fresh PostgreSQL database."""
    # The database fixture first, so that the app (and its schedulers) stops before the drop.
    url = str(request.getfixturevalue("postgres_url")) if request.param == "postgresql" else None
    make_service: Callable[..., Service] = request.getfixturevalue("make_service")
    return make_service(url)
