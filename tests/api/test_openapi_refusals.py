"""The OpenAPI document lists the 400, 401 and 413 answers each route really gives, and no others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import WEBHOOK_TOKEN, Service, auth

LIMIT = 1024
WEBHOOK_PATH = "/api/v1/webhooks/alertmanager"


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    svc = make_service(max_body_bytes=LIMIT)
    svc.fire("g1")
    return svc


def operations(svc: Service) -> list[tuple[str, str, dict[str, Any]]]:
    document = svc.client.get("/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def concrete(path: str) -> str:
    return path.replace("{incident_id}", "1").replace("{slug}", "api-down")


def token_for(path: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {WEBHOOK_TOKEN}"} if path == WEBHOOK_PATH else auth("admin")


def test_every_route_documents_413_and_gives_it(service: Service) -> None:
    for method, path, operation in operations(service):
        response = service.client.request(
            method, concrete(path), content=b"x" * (LIMIT + 1), headers=token_for(path)
        )
        assert response.status_code == 413, (method, path)
        assert "413" in operation["responses"], (method, path)


def test_401_is_documented_where_a_missing_token_gives_it_and_given_where_a_token_is_required(
    service: Service,
) -> None:
    for method, path, operation in operations(service):
        response = service.client.request(method, concrete(path))
        if response.status_code == 401:
            assert "401" in operation["responses"], (method, path)
        if operation.get("security") and "401" in operation["responses"]:
            assert response.status_code == 401, (method, path, response.status_code)


def test_400_is_documented_exactly_where_malformed_json_gives_it(service: Service) -> None:
    for method, path, operation in operations(service):
        headers = {**token_for(path), "Content-Type": "application/json"}
        response = service.client.request(method, concrete(path), content=b'{"x": ', headers=headers)
        documented = "400" in operation["responses"]
        assert (response.status_code == 400) == documented, (method, path, response.status_code)
