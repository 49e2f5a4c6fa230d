"""Spans reach an OTLP/HTTP receiver; log lines carry the trace id of their request's span."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest

from tests.live.conftest import LiveStack
from tests.live.otlp_receiver import CLIENT_KIND, SERVER_KIND, ReceivedSpan
from tests.live.prometheus import wait_for

pytestmark = pytest.mark.e2e


def log_lines(live: LiveStack) -> list[dict[str, Any]]:
    lines = []
    for raw in live.api_log().read_text(encoding="utf-8").splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def test_request_span_trace_id_equals_the_trace_id_in_its_log_lines(live: LiveStack) -> None:
    response = httpx.post(f"{live.stack.url('api')}/jobs", json={"text": "trace me"}, timeout=10)
    assert response.status_code == 202
    job_id = response.json()["id"]

    def submitted() -> list[dict[str, Any]]:
        return [line for line in log_lines(live) if line.get("job_id") == job_id]

    wait_for(lambda: bool(submitted()), timeout=10)
    trace_id = submitted()[0]["trace_id"]
    assert len(trace_id) == 32

    def server_span() -> list[ReceivedSpan]:
        return [
            span
            for span in live.receiver.snapshot()
            if span.trace_id == trace_id and span.service == "api" and span.kind == SERVER_KIND
        ]

    wait_for(lambda: bool(server_span()), timeout=15)
    (span,) = server_span()
    assert span.name == "POST /jobs"
    access = [
        line
        for line in log_lines(live)
        if line.get("trace_id") == trace_id and line["message"] == "request handled"
    ]
    assert [line["span_id"] for line in access] == [span.span_id]
    assert access[0]["http_route"] == "/jobs"


def test_traceparent_propagates_through_the_api_to_the_dependency(live: LiveStack) -> None:
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    response = httpx.get(
        f"{live.stack.url('api')}/healthz",
        headers={"traceparent": f"00-{trace_id}-{caller_span}-01"},
        timeout=10,
    )
    assert response.status_code == 200

    def spans() -> list[ReceivedSpan]:
        return [span for span in live.receiver.snapshot() if span.trace_id == trace_id]

    def of(service: str, kind: int) -> list[ReceivedSpan]:
        return [span for span in spans() if span.service == service and span.kind == kind]

    expected = (("api", SERVER_KIND), ("api", CLIENT_KIND), ("embedding-api", SERVER_KIND))
    wait_for(lambda: all(of(service, kind) for service, kind in expected), timeout=15)
    (api_server,) = of("api", SERVER_KIND)  # one server span per request
    (api_client,) = of("api", CLIENT_KIND)
    (dependency_server,) = of("embedding-api", SERVER_KIND)
    assert api_server.parent_span_id == caller_span
    assert api_server.span_id in ancestors(api_client, spans())
    assert dependency_server.parent_span_id == api_client.span_id


def ancestors(span: ReceivedSpan, trace: list[ReceivedSpan]) -> list[str]:
    """Span ids from `span`'s parent up to the root of what `trace` holds."""
    by_id = {candidate.span_id: candidate for candidate in trace}
    chain = []
    parent = span.parent_span_id
    while parent in by_id and parent not in chain:
        chain.append(parent)
        parent = by_id[parent].parent_span_id
    return chain
