"""ASGI middleware counting webhook responses by status code and timing the successful ones."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from observability.telemetry import Telemetry


class WebhookMetricsMiddleware:
    """Counts every response of `path` (whichever layer produced it: auth, limits, validation)."""

    def __init__(self, app: ASGIApp, *, telemetry: Telemetry, path: str) -> None:
        self.app = app
        self.telemetry = telemetry
        self.path = path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            code = int(status["code"])
            self.telemetry.webhook_request(code)
            if 200 <= code < 300:
                self.telemetry.observe_ingest(time.perf_counter() - started)
