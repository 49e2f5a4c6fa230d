"""Requests as raw ASGI calls, with no HTTP client: the process's CPU is the app's alone.

A client in the same process (httpx.ASGITransport) would add its own CPU to every request, which
makes any instrumentation's share look smaller than it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""

    @classmethod
    def post_json(cls, path: str, document: Any) -> Request:
        return cls("POST", path, json.dumps(document).encode())


class UnexpectedStatus(RuntimeError):
    """The app answered something else than the bench expects: the figures would be meaningless."""


async def call(app: ASGIApp, request: Request) -> int:
    """Send one request through the app; its response status."""
    status = 0
    headers = [(b"host", b"bench")]
    if request.body:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(request.body))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": request.path,
        "raw_path": request.path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": request.body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


async def call_expecting(app: ASGIApp, request: Request, expected: int) -> None:
    status = await call(app, request)
    if status != expected:
        raise UnexpectedStatus(f"{request.method} {request.path}: HTTP {status}, expected {expected}")
