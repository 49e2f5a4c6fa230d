"""Schemathesis' stateful run over the whole API, with a valid token of each role: no 500.

The state machine chains operations through the links schemathesis infers from the OpenAPI
document (an incident id from a list feeds ack, resolve, notes and review), on SQLite, against
the real ASGI app. Bounded in examples and steps so that it takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import TOKENS, WEBHOOK_TOKEN, Service

WEBHOOK_PATH = "/api/v1/webhooks/alertmanager"


@pytest.fixture
def seeded(make_service: Callable[..., Service]) -> Service:
    svc = make_service()
    for group in ("g1", "g2", "g3"):
        svc.fire(group, fingerprint=group)
    return svc


@pytest.mark.parametrize("role", ["viewer", "responder", "admin"])
def test_a_stateful_run_over_the_whole_api_never_gets_a_500(seeded: Service, role: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", seeded.app)
    workflow = schema.as_state_machine()
    seen: set[tuple[str, str, int]] = set()

    class Workflow(workflow):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            token = WEBHOOK_TOKEN if case.path == WEBHOOK_PATH else TOKENS[role]
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            seen.add((case.method, case.path, response.status_code))
            case.validate_response(response, checks=[not_a_server_error])

    Workflow.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The run really walked the API: most operations were called, and some calls succeeded.
    operations = {(method, path) for method, path, _ in seen}
    assert len(operations) >= 10, sorted(seen)
    assert any(status < 300 for *_, status in seen), sorted(seen)
