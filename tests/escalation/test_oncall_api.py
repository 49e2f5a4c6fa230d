"""GET /api/v1/oncall (viewer token), and the service's escalation wiring: matrix checked at start,
scheduler running in the app's lifespan."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from observability.auth.tokens import hash_token
from observability.config import load_settings
from observability.escalation.loading import MatrixError
from observability.store.migrate import upgrade
from observability.web.app import create_app
from tests.ingest.payloads import alert, notification

VIEWER = "viewer-secret"
WEBHOOK = "webhook-secret-token"
AT = datetime(2026, 12, 25, 12, 0, tzinfo=UTC)


def settings(tmp_path: Path, **overrides: Any) -> Any:
    url = f"sqlite:///{tmp_path / 'obs.db'}"
    upgrade(url)
    values = {
        "database_url": url,
        "webhook_token": WEBHOOK,
        "api_tokens": f"oncall-viewer:viewer:{hash_token(VIEWER)}",
        "escalation_tick_seconds": 0.2,
    }
    return load_settings(**(values | overrides))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(settings(tmp_path))
    app.state.clock = lambda: AT
    with TestClient(app) as test_client:
        yield test_client


def test_oncall_lists_every_rotation_with_who_since_until_and_next(client: TestClient) -> None:
    response = client.get("/api/v1/oncall", headers={"Authorization": f"Bearer {VIEWER}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["at"] == "2026-12-25T12:00:00Z"
    primary = next(r for r in body["rotations"] if r["rotation"] == "platform-primary")
    assert primary["person"]["id"] == "ben" and primary["override"] is True
    assert primary["person"]["slack_user_id"] == "U04BEN0002"
    assert (primary["since"], primary["until"]) == ("2026-12-24T08:00:00Z", "2026-12-28T08:00:00Z")
    assert primary["next"]["id"] == "dmitri"
    assert [r["rotation"] for r in body["rotations"]] == [
        "platform-primary",
        "platform-secondary",
        "data-primary",
        "sre-follow-the-sun",
        "managers",
    ]


def test_oncall_at_an_instant(client: TestClient) -> None:
    response = client.get(
        "/api/v1/oncall",
        params={"at": "2026-03-29T07:30:00+02:00"},
        headers={"Authorization": f"Bearer {VIEWER}"},
    )
    assert response.status_code == 200
    sre = next(r for r in response.json()["rotations"] if r["rotation"] == "sre-follow-the-sun")
    # The night shift across Berlin's spring-forward is 11 hours: 20:00 CET to 08:00 CEST.
    assert (sre["person"]["id"], sre["since"], sre["until"]) == (
        "ivan",
        "2026-03-28T19:00:00Z",
        "2026-03-29T06:00:00Z",
    )


@pytest.mark.parametrize(
    ("headers", "params", "code"),
    [
        ({}, {}, 401),
        ({"Authorization": "Bearer wrong"}, {}, 401),
        ({"Authorization": f"Bearer {VIEWER}"}, {"at": "2026-03-29T07:30:00"}, 422),
        ({"Authorization": f"Bearer {VIEWER}"}, {"at": "yesterday"}, 422),
    ],
)
def test_oncall_refuses_anonymous_callers_and_bad_instants(
    client: TestClient, headers: dict[str, str], params: dict[str, str], code: int
) -> None:
    response = client.get("/api/v1/oncall", headers=headers, params=params)
    assert response.status_code == code
    assert response.json()["detail"]


def test_the_service_refuses_to_start_on_an_invalid_matrix(tmp_path: Path, repo_root: Path) -> None:
    broken = tmp_path / "matrix"
    broken.mkdir()
    for name in ("people.yml", "rotations.yml", "escalation.yml"):
        (broken / name).write_text((repo_root / "incident" / name).read_text())
    document = yaml.safe_load((broken / "escalation.yml").read_text())
    document["policies"][0]["steps"][0]["targets"] = [{"rotation": "no-such-rotation"}]
    (broken / "escalation.yml").write_text(yaml.safe_dump(document))
    with pytest.raises(MatrixError) as caught:
        create_app(settings(tmp_path, escalation_matrix=broken))
    assert caught.value.problems == [
        f"{broken / 'escalation.yml'}: policy incident-service-critical: steps[0].targets[0]: "
        "unknown rotation 'no-such-rotation' (not in rotations.yml)"
    ]


def test_the_running_service_escalates_a_webhook_incident_on_its_own(client: TestClient) -> None:
    body = notification([alert("fp-1", starts_at=AT)], group_key="g-live")
    sent = client.post(
        "/api/v1/webhooks/alertmanager", json=body, headers={"Authorization": f"Bearer {WEBHOOK}"}
    )
    assert sent.status_code == 200, sent.text
    deadline = time.monotonic() + 5
    events: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not events:
        time.sleep(0.1)
        incident = client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {VIEWER}"}).json()[
            "items"
        ][0]
        detail = client.get(
            f"/api/v1/incidents/{incident['id']}", headers={"Authorization": f"Bearer {VIEWER}"}
        )
        events = [e for e in detail.json()["timeline"] if e["kind"] == "escalated"]
    assert len(events) == 1, "the app's scheduler fired the first step (due at once)"
    assert "Ben Okafor (on call for platform-primary)" in events[0]["message"]
