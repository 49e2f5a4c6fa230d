"""Schemathesis against the app's own OpenAPI, in process, with valid tokens: no 500, schema kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from observability.web.app import create_app
from tests.api.conftest import WEBHOOK_TOKEN, Service, auth, settings_for

WEBHOOK_PATH = "/api/v1/webhooks/alertmanager"
EXAMPLES_PER_OPERATION = 30


def operations() -> list[tuple[str, str]]:
    """Every (method, path) of the app's OpenAPI (schema only: no database is touched)."""
    app = create_app(settings_for(f"sqlite:///{Path('/nonexistent/never-opened.db')}"))
    return [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.fixture
def seeded(make_service: Callable[..., Service]) -> Service:
    # schemathesis' ignored_auth check sends wrong tokens on purpose: no 429 for the valid ones.
    svc = make_service(auth_failure_limit=100_000)
    # Something to find: incidents 1-3 in each state, so ids hit 200, 404 and 409 alike.
    for group in ("g1", "g2", "g3"):
        svc.fire(group, fingerprint=group)
    svc.client.post("/api/v1/incidents/2/ack", headers=auth("admin"))
    svc.client.post("/api/v1/incidents/3/resolve", headers=auth("admin"))
    return svc


@pytest.mark.parametrize(("method", "path"), operations())
def test_no_operation_answers_500_or_breaks_its_schema(seeded: Service, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", seeded.app)
    operation = schema[path][method]
    token = f"Bearer {WEBHOOK_TOKEN}" if path == WEBHOOK_PATH else auth("admin")["Authorization"]
    # The webhook's schema (Alertmanager's payload) cannot say "no NUL in label maps", which it
    # refuses with a 422 naming the field; every other check still applies to it.
    excluded = [positive_data_acceptance] if path == WEBHOOK_PATH else []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": token}, excluded_checks=excluded)

    check()


def test_the_fuzzed_operations_include_the_whole_incident_api() -> None:
    found = set(operations())
    assert {
        ("GET", "/api/v1/incidents"),
        ("GET", "/api/v1/incidents/{incident_id}"),
        ("POST", "/api/v1/incidents/{incident_id}/ack"),
        ("POST", "/api/v1/incidents/{incident_id}/resolve"),
        ("POST", "/api/v1/incidents/{incident_id}/notes"),
        ("GET", "/api/v1/audit"),
        ("POST", WEBHOOK_PATH),
    } <= found
