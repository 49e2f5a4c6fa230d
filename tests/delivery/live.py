"""The service in this process, served by uvicorn on a free port with its lifespan (scheduler, sender),
talking to the fake Slack; helpers to post Alertmanager notifications and to wait for Slack."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from demo.fake_slack.client import FakeSlack
from observability.web.app import create_app
from tests.api.conftest import WEBHOOK_TOKEN, notification, settings_for
from tests.support import free_port


def wait_for(check: Callable[[], Any], what: str, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """The first truthy value of `check()`, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class LiveService:
    app: FastAPI
    url: str
    http: httpx.Client

    def notify(self, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(
            "/api/v1/webhooks/alertmanager",
            json=payload,
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def fire(self, group: str, **fields: Any) -> int:
        incident_id = self.notify(notification(group, **fields))["incident_id"]
        assert isinstance(incident_id, int)
        return incident_id


@contextlib.contextmanager
def live_service(database_url: str, fake: FakeSlack, **overrides: Any) -> Iterator[LiveService]:
    """The app on `database_url` (migrated) with Slack pointed at `fake`, whose events come back here."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = settings_for(
        database_url,
        slack_bot_token=fake.bot_token,
        slack_signing_secret=fake.signing_secret,
        slack_api_url=fake.base_url,
        public_url=url,
        **({"delivery_tick_seconds": 0.5, "escalation_tick_seconds": 0.5} | overrides),
    )
    app = create_app(settings)
    fake.configure(events_url=f"{url}/slack/events")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"obs-{port}", daemon=True)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), "the service to listen")
    assert thread.is_alive(), "the service did not start"
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            yield LiveService(app, url, http)
    finally:
        server.should_exit = True
        thread.join(20)
