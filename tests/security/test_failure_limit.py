"""Wrong tokens and sign-ins are limited per client: 429 with Retry-After, on the real app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import TOKENS, WEBHOOK_TOKEN, Service, auth

LIMIT = 3
WINDOW = 60
WEBHOOK_PATH = "/api/v1/webhooks/alertmanager"


@pytest.fixture
def limited(make_service: Callable[..., Service]) -> Service:
    return make_service(auth_failure_limit=LIMIT, auth_failure_window_seconds=WINDOW)


def wrong_api(svc: Service, client: TestClient | None = None) -> int:
    client = client or svc.client
    return client.get("/api/v1/incidents", headers={"Authorization": "Bearer wrong-token"}).status_code


def test_wrong_api_tokens_past_the_limit_get_429_with_retry_after(limited: Service) -> None:
    assert [wrong_api(limited) for _ in range(LIMIT)] == [401] * LIMIT
    response = limited.client.get("/api/v1/incidents", headers={"Authorization": "Bearer wrong-token"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(WINDOW)
    assert "too many failed sign-ins or wrong tokens" in response.json()["detail"]


def test_a_limited_client_is_refused_even_with_a_valid_token(limited: Service) -> None:
    for _ in range(LIMIT):
        wrong_api(limited)
    # Otherwise a 200 among 429s would tell a guesser which guess was right.
    assert limited.client.get("/api/v1/incidents", headers=auth("viewer")).status_code == 429


def test_the_window_slides_failures_age_out_by_the_clock(limited: Service) -> None:
    wrong_api(limited)
    limited.clock.advance(seconds=30)
    wrong_api(limited)
    wrong_api(limited)
    response = limited.client.get("/api/v1/incidents", headers=auth("viewer"))
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    limited.clock.advance(seconds=30)  # the first failure is out of the window: one try is free
    assert limited.client.get("/api/v1/incidents", headers=auth("viewer")).status_code == 200
    assert wrong_api(limited) == 401
    assert wrong_api(limited) == 429


def test_successes_and_missing_tokens_are_not_counted(limited: Service) -> None:
    for _ in range(LIMIT * 3):
        assert limited.client.get("/api/v1/incidents", headers=auth("viewer")).status_code == 200
        assert limited.client.get("/api/v1/incidents").status_code == 401
    assert [wrong_api(limited) for _ in range(LIMIT)] == [401] * LIMIT


def test_the_limit_is_per_client_address(limited: Service) -> None:
    for _ in range(LIMIT + 1):
        wrong_api(limited)
    with TestClient(limited.app, client=("203.0.113.7", 40000)) as other:
        assert other.get("/api/v1/incidents", headers=auth("viewer")).status_code == 200
        assert wrong_api(limited, other) == 401


def test_wrong_webhook_tokens_are_limited_on_their_own_budget(limited: Service) -> None:
    def post(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return limited.client.post(WEBHOOK_PATH, content=b"{}", headers=headers).status_code

    assert [post("wrong-webhook-token") for _ in range(LIMIT)] == [401] * LIMIT
    response = limited.client.post(
        WEBHOOK_PATH, content=b"{}", headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )
    assert response.status_code == 429 and response.headers["Retry-After"] == str(WINDOW)
    # The API tokens' budget is separate: this client may still use the API.
    assert limited.client.get("/api/v1/incidents", headers=auth("viewer")).status_code == 200


def test_failed_sign_ins_are_limited_and_answered_with_a_page(limited: Service) -> None:
    def sign_in(token: str) -> int:
        return limited.client.post(
            "/incidents/login", data={"token": token}, follow_redirects=False
        ).status_code

    assert [sign_in("not-a-token") for _ in range(LIMIT)] == [401] * LIMIT
    response = limited.client.post(
        "/incidents/login", data={"token": TOKENS["viewer"]}, follow_redirects=False
    )
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["Retry-After"] == str(WINDOW)
    assert "too many failed sign-ins" in response.text
    # Sign-ins and API calls accept the same tokens, so they share one budget.
    assert limited.client.get("/api/v1/incidents", headers=auth("viewer")).status_code == 429
