"""A client that hangs up mid-body gets a 400 (nobody reads it), not an unhandled exception."""

from __future__ import annotations

import anyio
import pytest

from tests.api.conftest import WEBHOOK_TOKEN, Service, auth


async def _call_hanging_up(svc: Service, path: str, headers: dict[str, str]) -> list[dict[str, object]]:
    incoming = [
        {"type": "http.request", "body": b'{"version": "4", "gro', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    await svc.app(scope, receive, send)
    return sent


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/webhooks/alertmanager", {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}),
        ("/api/v1/incidents/1/notes", auth("responder")),
    ],
)
def test_a_client_hanging_up_mid_body_gets_a_400_and_nothing_is_written(
    svc: Service, path: str, headers: dict[str, str]
) -> None:
    sent = anyio.run(_call_hanging_up, svc, path, headers)
    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 400
    listed = svc.client.get("/api/v1/incidents", headers=auth("viewer")).json()
    assert listed["total"] == 0
