"""Bad input gets a clear 4xx naming the problem, on every endpoint; never a 500, never an echo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from observability.cli import main
from observability.config import SettingsError, load_settings
from observability.incidents.payload import label_fingerprint
from tests.api.conftest import WEBHOOK_TOKEN, Service, alert, auth, notification

WEBHOOK = "/api/v1/webhooks/alertmanager"
HOOK_AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}


def post_webhook(svc: Service, payload: dict[str, Any]) -> Any:
    return svc.client.post(WEBHOOK, json=payload, headers=HOOK_AUTH)


@pytest.fixture
def small(make_service: Callable[..., Service]) -> Service:
    """A service whose body limit is 4 KiB."""
    return make_service(max_body_bytes=4096)


def post_note_bytes(svc: Service, content: bytes) -> Any:
    """POST raw bytes as the JSON body of a note on a new incident."""
    incident_id = svc.fire("g-note")
    headers = {**auth("responder"), "Content-Type": "application/json"}
    return svc.client.post(f"/api/v1/incidents/{incident_id}/notes", content=content, headers=headers)


def test_a_note_with_a_lone_surrogate_is_422_not_500(svc: Service) -> None:
    response = post_note_bytes(svc, b'{"text":"a\\ud800b"}')
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "text"]


@pytest.mark.parametrize("at", ["9999-12-31T23:59Z", "0001-01-01T00:00Z"])
def test_oncall_at_the_edges_of_the_calendar_is_422(svc: Service, at: str) -> None:
    response = svc.client.get("/api/v1/oncall", params={"at": at}, headers=auth("viewer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("at: ") and "years 2 and 9998" in response.json()["detail"]


def test_obs_oncall_at_the_end_of_the_calendar_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["oncall", "--at", "9999-12-31T00:00"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("obs oncall: --at 9999-12-31T00:00: ") and len(error.splitlines()) == 1


def test_every_endpoint_refuses_a_body_over_the_limit_with_413_naming_it(small: Service) -> None:
    incident_id = small.fire("g-big")
    big = {"text": "x" * 5000}
    for method, path, headers in [
        ("POST", f"/api/v1/incidents/{incident_id}/notes", auth("responder")),
        ("POST", f"/api/v1/incidents/{incident_id}/ack", auth("responder")),
        ("GET", "/api/v1/incidents", auth("viewer")),
        ("GET", "/healthz", {}),
    ]:
        response = small.client.request(method, path, json=big, headers=headers)
        assert response.status_code == 413, (path, response.text)
        assert response.json()["detail"] == "body larger than 4096 bytes (OBS_MAX_BODY_BYTES)"


def test_a_streamed_body_over_the_limit_is_413_before_the_route_runs(small: Service) -> None:
    incident_id = small.fire("g-stream")

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    response = small.client.post(
        f"/api/v1/incidents/{incident_id}/notes",
        content=chunks(),
        headers={**auth("responder"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    timeline = small.client.get(f"/api/v1/incidents/{incident_id}", headers=auth("viewer")).json()["timeline"]
    assert all(event["kind"] != "note" for event in timeline)


def test_a_422_echoes_only_a_short_excerpt_of_the_input(svc: Service) -> None:
    incident_id = svc.fire("g-echo")
    response = svc.client.post(
        f"/api/v1/incidents/{incident_id}/notes", json={"text": "z" * 500_000}, headers=auth("responder")
    )
    assert response.status_code == 422
    assert len(response.content) < 1000
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "text"] and error["input"].endswith("… (500000 characters)")


def test_malformed_json_is_400_on_every_json_endpoint(svc: Service) -> None:
    response = post_note_bytes(svc, b'{"text": ')
    assert response.status_code == 400 and response.json()["detail"].startswith("malformed JSON")


@pytest.mark.parametrize(
    ("token", "shown"), [("", "empty"), ("a", "1 characters"), ("x" * 15, "15 characters")]
)
def test_an_empty_or_short_webhook_token_refuses_to_start(token: str, shown: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(webhook_token=token)
    message = str(refused.value)
    assert message.startswith(f"invalid setting OBS_WEBHOOK_TOKEN: {shown}; use at least 16 characters")
    assert len(message.splitlines()) == 1


def test_obs_serve_with_an_empty_webhook_token_exits_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OBS_WEBHOOK_TOKEN", "")
    assert main(["serve", "--port", "1"]) != 0
    error = capsys.readouterr().err
    assert (
        error.startswith("obs serve: invalid setting OBS_WEBHOOK_TOKEN: empty")
        and len(error.splitlines()) == 1
    )


def test_a_local_trial_still_starts_without_a_token() -> None:
    settings = load_settings(webhook_allow_unauthenticated=True)
    assert settings.webhook_token is None or len(settings.webhook_token.get_secret_value()) >= 16


@pytest.mark.parametrize(
    ("field", "value"),
    [("endsAt", 0), ("startsAt", 1767268800), ("startsAt", "2026-01-01"), ("endsAt", "yesterday")],
)
def test_alert_times_must_be_rfc3339_strings(svc: Service, field: str, value: object) -> None:
    fired = alert()
    fired[field] = value
    response = post_webhook(svc, notification("g-time", alerts=[fired]))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"invalid Alertmanager notification: alerts.0.{field}: ")
    assert "RFC 3339" in response.json()["detail"]


def test_an_alert_without_labels_is_422(svc: Service) -> None:
    payload = notification("g-nolabels") | {"groupLabels": {}}
    payload["alerts"][0]["labels"] = {}
    response = post_webhook(svc, payload)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("invalid Alertmanager notification: alerts.0.labels: ")


def test_a_payload_without_fingerprints_is_accepted_with_alertmanagers_fingerprint(svc: Service) -> None:
    fired = alert("PlatformApiDown")
    del fired["fingerprint"]
    response = post_webhook(svc, notification("g-nofp", alerts=[fired]))
    assert response.status_code == 200, response.text
    detail = svc.client.get(f"/api/v1/incidents/{response.json()['incident_id']}", headers=auth("viewer"))
    assert detail.json()["alerts"][0]["fingerprint"] == label_fingerprint(fired["labels"])


def test_an_incident_title_is_never_a_bare_group_key(svc: Service) -> None:
    payload = notification("0") | {"groupLabels": {}}
    payload["alerts"][0] |= {"labels": {"instance": "db-1"}, "annotations": {}}
    incident_id = post_webhook(svc, payload).json()["incident_id"]
    title = svc.client.get(f"/api/v1/incidents/{incident_id}", headers=auth("viewer")).json()["title"]
    assert title == 'Alerts with instance="db-1"'


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/runbooks/", "/runbooks/api-down", "/openapi.json"])
def test_head_is_answered_wherever_get_is(svc: Service, path: str) -> None:
    got = svc.client.get(path)
    head = svc.client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b"" and head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["content-type"] == got.headers["content-type"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/runbooks/%3Cx%3E", 404),
        ("/incidents/abc", 422),
        ("/oncall/?at=xyz", 422),
        ("/oncall/nobody", 404),
        ("/incidents/1/nothing", 404),
    ],
)
def test_browser_routes_answer_html_error_pages(svc: Service, path: str, status: int) -> None:
    response = svc.client.get(path, headers=auth("viewer"))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<!doctype html>" in response.text and "<x>" not in response.text


def test_api_routes_keep_json_errors(svc: Service) -> None:
    response = svc.client.get("/api/v1/incidents/abc", headers=auth("viewer"))
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["path", "incident_id"]
    missing = svc.client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
