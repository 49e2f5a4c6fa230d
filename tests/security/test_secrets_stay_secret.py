"""Secrets never leave the process: not in its debug logs, answers, /metrics, /readyz, /openapi.json.

The real `obs serve` runs with distinctive secrets (webhook token, Slack bot token and signing
secret through the fake Slack, API tokens, the PostgreSQL password in its URL, and a configured
outgoing webhook's key), some from `*_FILE`. The test drives it through refusals (401s, 400, 404,
405, 413, 422, a Slack request with a wrong signature), successes (a webhook that opens an
incident, the card posted to Slack, a sign-in) and a failing start on an unreachable database;
then searches everything it said.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from demo.fake_slack.client import FakeSlack
from observability.auth.tokens import hash_token
from tests.api.conftest import notification
from tests.ingest.live import REPO, wait_until
from tests.support import free_port

WEBHOOK = "/api/v1/webhooks/alertmanager"
WEBHOOK_SECRET = "whk-Sekret-4f1c9e7a2b6d8e0f"
API_SECRETS = {"viewer": "obs_viewer-Sekret-91aa2c", "admin": "obs_admin-Sekret-7d3e1b"}
DB_PASSWORD = "pgpw-Sekret-c0ffee42"
OUTGOING_SECRET = "hmac-Sekret-5e5e5e5e5e"


@dataclass
class Running:
    """The service's base URL, every response body it gave, and where its output goes."""

    url: str
    log: Path
    said: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        response = httpx.request(method, self.url + path, timeout=10, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
        self.said.append(f"{method} {path} -> {response.status_code} {response.headers} {response.text}")
        return response


def hashed(role: str) -> str:
    return hash_token(API_SECRETS[role])


def serve(env: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "observability.cli", "serve", "--port", str(port), "--log-level", "debug"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def secrets_env(tmp_path: Path, postgres_url: str, fake_slack: FakeSlack) -> dict[str, str]:
    token_file = tmp_path / "webhook-token"
    token_file.write_text(WEBHOOK_SECRET + "\n")
    # Trust authentication accepts any password, so one can be in the URL the service is given.
    url = make_url(postgres_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    database_file = tmp_path / "database-url"
    database_file.write_text(url)
    return {
        "OBS_WEBHOOK_TOKEN_FILE": str(token_file),
        "OBS_DATABASE_URL_FILE": str(database_file),
        "OBS_API_TOKENS": f"viewer-bot:viewer:{hashed('viewer')},admin-bot:admin:{hashed('admin')}",
        "OBS_SLACK_BOT_TOKEN": fake_slack.bot_token,
        "OBS_SLACK_SIGNING_SECRET": fake_slack.signing_secret,
        "OBS_SLACK_API_URL": fake_slack.base_url,
        "OBS_DELIVERY_TICK_SECONDS": "0.2",
        "OBS_WATCHDOG_TIMEOUT_SECONDS": "0",
        # Nothing listens there: each page's signed POST fails and is retried (and logged).
        "OBS_OUTGOING_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/pager",
        "OBS_OUTGOING_WEBHOOK_SECRET": OUTGOING_SECRET,
    }


@pytest.fixture
def running(tmp_path: Path, secrets_env: dict[str, str], fake_slack: FakeSlack) -> Iterator[Running]:
    port = free_port()
    service = Running(f"http://127.0.0.1:{port}", tmp_path / "obs.log")
    fake_slack.configure(events_url=f"{service.url}/slack/events")
    process = serve(secrets_env, service.log, port)
    try:
        try:  # start-up migrates a fresh PostgreSQL database: slow on a busy machine
            wait_until(lambda: process.poll() is not None or _listening(service.url), 90, "obs serve")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; its output: {service.log.read_text()[-3000:]}") from None
        assert process.poll() is None, service.log.read_text()[-3000:]
        yield service
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _listening(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def secrets_of(fake_slack: FakeSlack) -> dict[str, str]:
    return {
        "webhook token": WEBHOOK_SECRET,
        "Slack bot token": fake_slack.bot_token,
        "Slack signing secret": fake_slack.signing_secret,
        "viewer API token": API_SECRETS["viewer"],
        "admin API token": API_SECRETS["admin"],
        "database password": DB_PASSWORD,
        "outgoing webhook secret": OUTGOING_SECRET,
    }


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value in text]


def exercise(svc: Running, fake_slack: FakeSlack) -> None:
    """Refusals and successes on every kind of entry point."""
    webhook_auth = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    admin = {"Authorization": f"Bearer {API_SECRETS['admin']}"}
    # Wrong credentials, near misses of the real ones included.
    for wrong in (WEBHOOK_SECRET[:-1], WEBHOOK_SECRET + "x", API_SECRETS["admin"]):
        assert (
            svc.request("POST", WEBHOOK, json={}, headers={"Authorization": f"Bearer {wrong}"}).status_code
            == 401
        )
    for wrong in (API_SECRETS["admin"][:-1], WEBHOOK_SECRET, fake_slack.bot_token):
        headers = {"Authorization": f"Bearer {wrong}"}
        assert svc.request("GET", "/api/v1/incidents", headers=headers).status_code == 401
        assert svc.request("GET", "/incidents/", headers=headers).status_code == 401
    assert (
        svc.request(
            "GET", "/api/v1/audit", headers={"Authorization": f"Bearer {API_SECRETS['viewer']}"}
        ).status_code
        == 403
    )
    # Bad bodies and bad paths.
    assert svc.request("POST", WEBHOOK, content=b'{"x": ', headers=webhook_auth).status_code == 400
    assert svc.request("POST", WEBHOOK, json={"version": "4"}, headers=webhook_auth).status_code == 422
    assert svc.request("POST", WEBHOOK, content=b"x" * 2_000_000, headers=webhook_auth).status_code == 413
    assert svc.request("GET", "/api/v1/incidents/999", headers=admin).status_code == 404
    assert svc.request("GET", "/api/v1/incidents/not-a-number", headers=admin).status_code == 422
    assert svc.request("GET", "/no/such/page").status_code == 404
    assert svc.request("DELETE", "/api/v1/incidents").status_code == 405
    # A Slack request signed with the wrong secret, then a correctly signed one from the fake.
    assert (
        svc.request(
            "POST", "/slack/events", content=b"{}", headers={"X-Slack-Signature": "v0=00"}
        ).status_code
        == 401
    )
    # Successes: an incident, its Slack card (the bot token goes out), a sign-in.
    opened = svc.request("POST", WEBHOOK, json=notification("leak-check"), headers=webhook_auth)
    assert opened.status_code == 200, opened.text
    wait_until(lambda: len(fake_slack.messages()) > 0, 20, "the incident's card in Slack")
    assert fake_slack.send_event(url_verification=True)["status"] == 200
    assert svc.request("GET", "/api/v1/incidents", headers=admin).status_code == 200
    login = svc.request("GET", "/incidents/login")
    csrf = login.cookies.get("obs_login_csrf", "")
    signed_in = svc.request(
        "POST",
        "/incidents/login",
        data={"token": API_SECRETS["viewer"], "csrf": csrf},
        cookies={"obs_login_csrf": csrf},
    )
    assert signed_in.status_code == 303
    for path in ("/metrics", "/readyz", "/openapi.json", "/healthz"):
        svc.request("GET", path)


def test_no_secret_appears_in_logs_answers_metrics_readiness_or_the_schema(
    running: Running, fake_slack: FakeSlack
) -> None:
    exercise(running, fake_slack)
    secrets = secrets_of(fake_slack)
    log = running.log.read_text(errors="replace")
    # The service really logged at debug, the Slack calls (which carry the bot token) included.
    assert "DEBUG:  slack_sdk" in log and "chat.postMessage" in log
    assert leaks(log, secrets) == []
    found = {answer.split(" -> ")[0]: leaks(answer, secrets) for answer in running.said}
    assert {request: names for request, names in found.items() if names} == {}


def test_a_start_on_an_unreachable_database_does_not_print_its_password(
    tmp_path: Path, secrets_env: dict[str, str]
) -> None:
    unreachable = f"postgresql+psycopg://obs:{DB_PASSWORD}@127.0.0.1:{free_port()}/obs"
    env = {**secrets_env, "OBS_DATABASE_URL": unreachable}
    env.pop("OBS_DATABASE_URL_FILE")
    log = tmp_path / "failed.log"
    process = serve(env, log, free_port())
    assert process.wait(60) != 0
    output = log.read_text()
    assert "cannot migrate the database" in output and "***" in output
    assert DB_PASSWORD not in output
