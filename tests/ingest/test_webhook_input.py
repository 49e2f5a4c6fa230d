"""Client errors get the 4xx Alertmanager stops retrying, with a message naming the problem."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from observability.store.models import Incident, IngestLedgerEntry
from tests.ingest.conftest import AUTH, WEBHOOK
from tests.ingest.payloads import alert, notification


def stored(client: TestClient) -> tuple[int, int]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return (
            session.scalar(select(func.count()).select_from(Incident)),
            session.scalar(select(func.count()).select_from(IngestLedgerEntry)),
        )


def test_missing_or_wrong_token_is_401(client: TestClient) -> None:
    body = notification([alert("a")])
    assert client.post(WEBHOOK, json=body).status_code == 401
    wrong = client.post(WEBHOOK, json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert client.post(WEBHOOK, json=body, headers={"Authorization": "Basic dGVzdA=="}).status_code == 401
    assert stored(client) == (0, 0)


def test_body_over_the_limit_is_413_even_without_content_length(client: TestClient) -> None:
    big = json.dumps(notification([alert(f"fp{i}") for i in range(6000)])).encode()
    assert len(big) > 1_048_576
    assert client.post(WEBHOOK, content=big, headers=AUTH).status_code == 413

    def chunks():  # a streamed body has no Content-Length: the limit is counted while reading
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = client.post(WEBHOOK, content=chunks(), headers=AUTH)
    assert streamed.status_code == 413
    assert "OBS_MAX_BODY_BYTES" in streamed.json()["detail"]
    assert stored(client) == (0, 0)


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(WEBHOOK, content=b'{"version": "4",', headers=AUTH)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("malformed JSON")


def test_wrong_version_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post(WEBHOOK, json=notification([alert("a")], version="3"), headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"] == "invalid Alertmanager notification: version: Input should be '4'"


def test_invalid_alert_field_is_422_naming_it(client: TestClient) -> None:
    body = notification([alert("a"), {**alert("b"), "startsAt": "yesterday"}])
    response = client.post(WEBHOOK, json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("invalid Alertmanager notification: alerts.1.startsAt:")


def test_nul_characters_are_422_not_a_database_error(client: TestClient) -> None:
    body = notification([alert("a", annotations={"summary": "bad\u0000text"})])
    response = client.post(WEBHOOK, json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].endswith("alerts.0.annotations: contains a NUL character")


def test_a_json_value_that_is_not_an_object_is_422(client: TestClient) -> None:
    response = client.post(WEBHOOK, content=b"[1, 2]", headers=AUTH)
    assert response.status_code == 422
    assert "body" in response.json()["detail"]


def test_a_group_key_too_long_to_index_is_422(client: TestClient) -> None:
    body = notification([alert("a")], group_key="é" * 1500)  # 1500 characters, 3000 bytes
    response = client.post(WEBHOOK, json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("invalid Alertmanager notification: groupKey:")
    ok = client.post(WEBHOOK, json=notification([alert("a")], group_key="é" * 1000), headers=AUTH)
    assert ok.status_code == 200
