"""ASGI middleware in front of every route: one body limit (413 naming it) and HEAD wherever GET is served."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# Answers a refusal: (scope, send, status, detail).
Refuse = Callable[[Scope, Send, int, str], Awaitable[None]]


def install(app: FastAPI) -> None:
    """Bound every request body by OBS_MAX_BODY_BYTES and answer HEAD like GET without a body."""
    from observability.web.errors import refuse

    app.add_middleware(BodyLimit, limit=app.state.settings.max_body_bytes, refuse=refuse)
    app.add_middleware(HeadAsGet)


def too_large(limit: int) -> str:
    return f"body larger than {limit} bytes (OBS_MAX_BODY_BYTES)"


class BodyLimit:
    """413 for a body over `limit` bytes: announced by Content-Length, or counted while it streams.

    A body without Content-Length (chunked) is read up to the limit before the route sees it, so a
    route never starts on a body that turns out too large.
    """

    def __init__(self, app: ASGIApp, *, limit: int, refuse: Refuse) -> None:
        self.app, self.limit, self.refuse = app, limit, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit():
            if int(declared) > self.limit:
                await self.refuse(scope, send, 413, too_large(self.limit))
                return
            await self.app(scope, receive, send)  # the server delivers no more than it announced
            return
        if b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                await self.refuse(scope, send, 413, too_large(self.limit))
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


class HeadAsGet:
    """HEAD runs the GET route and sends its status and headers (Content-Length too), not its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
