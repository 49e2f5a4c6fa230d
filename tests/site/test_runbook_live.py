"""Runbook pages show the moment: incidents firing now, Alertmanager's alerts, the last incidents with TTR."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from observability.store.models import IncidentEpisode
from tests.ingest.live import Alertmanager, wait_until
from tests.ingest.payloads import alert, notification, resolved
from tests.site.conftest import VIEWER, WEBHOOK_TOKEN, start_client, without_own_script
from tests.support import binary, free_port

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SCRIPT = "<script>alert('pwned')</script>"


def post(client: TestClient, payload: dict[str, Any]) -> int:
    response = client.post(
        "/api/v1/webhooks/alertmanager", json=payload, headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["incident_id"])


def live_section(page: str) -> str:
    start = page.index('<section class="live" id="now">')
    return page[start : page.index("</section>", start)]


def add_episode(
    client: TestClient, incident_id: int, *, impact: datetime, resolved_at: datetime | None
) -> None:
    # The ingest wrote episode 1 on the app's clock; give it the times the test describes.
    with client.app.state.sessions() as session:
        session.execute(
            update(IncidentEpisode)
            .where(IncidentEpisode.incident_id == incident_id, IncidentEpisode.episode == 1)
            .values(
                impact_started_at=impact, detected_at=impact + timedelta(minutes=2), resolved_at=resolved_at
            )
        )
        session.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """An app (SQLite, PostgreSQL) with: a resolved API-down incident (a 1h30m episode), then a firing
    one, and a worker one."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    client = start_client(tmp_path, database_url=url)
    old = alert("fp-down-0", alertname="PlatformApiDown", starts_at=T0 - timedelta(days=1))
    old_id = post(client, notification([old], group_key='{}:{alertname="PlatformApiDown",n="0"}'))
    post(
        client,
        notification(
            [resolved(old, T0 - timedelta(days=1) + timedelta(minutes=80))],
            group_key='{}:{alertname="PlatformApiDown",n="0"}',
        ),
    )
    add_episode(
        client,
        old_id,
        impact=T0 - timedelta(days=1),
        resolved_at=T0 - timedelta(days=1) + timedelta(minutes=90),
    )
    firing = alert(
        "fp-down-1", alertname="PlatformApiDown", starts_at=T0, annotations={"summary": f"API down {SCRIPT}"}
    )
    firing_id = post(client, notification([firing], group_key='{}:{alertname="PlatformApiDown",n="1"}'))
    add_episode(client, firing_id, impact=T0, resolved_at=None)
    worker = alert("fp-worker", alertname="PlatformWorkerDown", service="worker", starts_at=T0)
    worker_id = post(client, notification([worker], group_key='{}:{alertname="PlatformWorkerDown"}'))
    return {"client": client, "firing": firing_id, "old": old_id, "worker": worker_id}


def test_an_anonymous_reader_gets_the_runbook_and_an_offer_to_sign_in_but_no_incident_data(
    store: dict[str, Any],
) -> None:
    client: TestClient = store["client"]
    response = client.get("/runbooks/api-down")
    assert response.status_code == 200
    section = live_section(response.text)
    assert (
        '<a href="../incidents/login?next=/runbooks/api-down">Sign in</a> to see what is firing now'
        in section
    )
    assert "API down" not in response.text and f'data-incident="{store["firing"]}"' not in response.text
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["vary"] == "Authorization, Cookie"


def test_a_viewer_sees_the_incident_firing_now_for_the_runbooks_alerts(store: dict[str, Any]) -> None:
    client: TestClient = store["client"]
    response = client.get("/runbooks/api-down", headers=VIEWER)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    section = live_section(response.text)
    firing = section[section.index('<ul class="firing">') : section.index("</ul>")]
    assert f'<li data-incident="{store["firing"]}">' in firing
    assert f'href="../incidents/{store["firing"]}"' in firing
    assert "1 alert firing: <code>PlatformApiDown</code>" in firing
    # The resolved one is not firing, and another alert's incident is not this runbook's.
    assert f'data-incident="{store["old"]}"' not in firing
    assert f'data-incident="{store["worker"]}"' not in section


def test_incident_text_on_a_runbook_page_is_escaped(store: dict[str, Any]) -> None:
    page = store["client"].get("/runbooks/api-down", headers=VIEWER).text
    assert "API down &lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page
    assert "<script" not in without_own_script(page)


def test_the_last_incidents_show_their_ttr_from_the_episode_and_a_review_link(store: dict[str, Any]) -> None:
    section = live_section(store["client"].get("/runbooks/api-down", headers=VIEWER).text)
    recent = section[section.index('<table class="recent-incidents">') :]
    old_row = recent[recent.index(f'<tr data-incident="{store["old"]}">') :].split("</tr>")[0]
    assert '<td class="ttr">1h30m</td>' in old_row  # resolved_at - impact_started_at of the episode
    assert f'href="../incidents/{store["old"]}/review"' in old_row
    firing_row = recent[recent.index(f'<tr data-incident="{store["firing"]}">') :].split("</tr>")[0]
    assert '<td class="ttr">open</td>' in firing_row
    # Newest first.
    assert recent.index(f'data-incident="{store["firing"]}"') < recent.index(
        f'data-incident="{store["old"]}"'
    )


def test_a_runbook_whose_alerts_never_fired_says_so(store: dict[str, Any]) -> None:
    section = live_section(store["client"].get("/runbooks/postgres-locks", headers=VIEWER).text)
    assert "No incident is firing for these alerts." in section
    assert "No incident yet for these alerts." in section
    assert "In Alertmanager" not in section  # OBS_ALERTMANAGER_URL is not set


def test_a_revoked_or_unknown_token_gets_the_public_page(store: dict[str, Any]) -> None:
    response = store["client"].get("/runbooks/api-down", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 200
    assert "Sign in</a> to see what is firing now" in response.text


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    """A real Alertmanager holding two PlatformApiDown alerts (one silenced) and a PlatformWorkerDown."""
    folder = tmp_path_factory.mktemp("am")
    manager = Alertmanager(free_port(), f"http://127.0.0.1:{free_port()}/nowhere", "unused", folder)
    try:
        start = datetime.now(UTC) - timedelta(minutes=5)
        for instance in ("api-1", "api-2"):
            manager.add(
                {
                    "alertname": "PlatformApiDown",
                    "service": "api",
                    "severity": "critical",
                    "instance": instance,
                },
                start=start,
                summary=f"API down on {instance}",
            )
        manager.add({"alertname": "PlatformWorkerDown", "service": "worker", "instance": "w-1"}, start=start)
        silence = subprocess.run(
            [
                binary("amtool"),
                f"--alertmanager.url={manager.url}",
                "silence",
                "add",
                "alertname=PlatformApiDown",
                "instance=api-2",
                "--comment=deploying",
                "--author=test",
                "--duration=1h",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=20,
        )
        manager.silence_id = silence.stdout.strip()  # type: ignore[attr-defined]
        yield manager
    finally:
        manager.stop()


def test_a_runbook_page_lists_what_alertmanager_holds_silenced_ones_included(
    alertmanager: Alertmanager, tmp_path: Path
) -> None:
    client = start_client(tmp_path, alertmanager_url=alertmanager.url)

    def both_listed() -> bool:
        return (
            live_section(client.get("/runbooks/api-down", headers=VIEWER).text).count("<tr data-state=") == 2
        )

    wait_until(both_listed, 20, "Alertmanager to hold both PlatformApiDown alerts")
    section = live_section(client.get("/runbooks/api-down", headers=VIEWER).text)
    held = section[section.index('<table class="held-alerts">') :]
    rows = held.split("<tr data-state=")[1:]
    active = next(row for row in rows if 'instance="api-1"' in row)
    silenced = next(row for row in rows if 'instance="api-2"' in row)
    assert active.startswith('"active"') and "API down on api-1" in active
    assert silenced.startswith('"suppressed"')
    assert f"silenced by <code>{alertmanager.silence_id}</code>" in silenced  # type: ignore[attr-defined]
    assert "PlatformWorkerDown" not in held
    worker = live_section(client.get("/runbooks/worker-down", headers=VIEWER).text)
    assert 'instance="w-1"' in worker and "PlatformApiDown" not in worker


def test_an_unreachable_alertmanager_is_a_note_not_a_failure(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = start_client(tmp_path, alertmanager_url=url)
    response = client.get("/runbooks/api-down", headers=VIEWER)
    assert response.status_code == 200
    assert f"Alertmanager unreachable ({url})" in live_section(response.text)
    assert "Last incidents" in response.text


def test_a_silent_alertmanager_is_given_up_on_after_the_short_timeout(tmp_path: Path) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        client = start_client(tmp_path, alertmanager_url=url)
        response = client.get("/runbooks/api-down", headers=VIEWER)
    assert response.status_code == 200
    assert f"Alertmanager unreachable ({url}): no answer within 2 s." in response.text


class _Answer:
    """A local HTTP server answering every GET with one fixed status and body."""

    def __init__(self, status: int, body: bytes) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from threading import Thread

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


HOSTILE_LIST = json.dumps(
    [
        "not an alert",
        {"labels": {"alertname": "PlatformApiDown"}},  # no status: skipped
        {
            "labels": {"alertname": "PlatformApiDown", "instance": SCRIPT, "severity": "critical"},
            "annotations": {"summary": f"summary {SCRIPT}"},
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
            "startsAt": "2026-03-02T08:00:00.000Z",
        },
        {
            "labels": {"alertname": "SomethingElse"},
            "status": {"state": "active"},
            "startsAt": "2026-03-02T08:00:00Z",
        },
    ]
).encode()


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (500, b"{}", "Alertmanager unreachable ({url}): it answered HTTP 500."),
        (200, b"<html>", "Alertmanager unreachable ({url}): its answer is not JSON."),
        (200, b'{"alerts": []}', "Alertmanager unreachable ({url}): its answer is not a list of alerts."),
        (200, HOSTILE_LIST, "summary &lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"),
    ],
)
def test_whatever_alertmanager_answers_the_page_shows_it_safely(
    tmp_path: Path, status: int, body: bytes, shown: str
) -> None:
    answer = _Answer(status, body)
    try:
        client = start_client(tmp_path, alertmanager_url=answer.url)
        response = client.get("/runbooks/api-down", headers=VIEWER)
    finally:
        answer.close()
    assert response.status_code == 200
    section = live_section(response.text)
    assert shown.format(url=answer.url) in section
    assert "<script" not in without_own_script(response.text)
    if body is HOSTILE_LIST:
        assert section.count("<tr data-state=") == 1 and "SomethingElse" not in section
