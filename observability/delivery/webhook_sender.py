"""The outgoing-webhook sender: each page as signed JSON to one URL (a bridge to a phone or pager service).

Signature: `X-Obs-Signature: sha256=<hex HMAC-SHA256 of "<X-Obs-Timestamp>.<body>">` with the shared
secret; receivers should reject a timestamp older than 5 minutes. A retried delivery carries the
same `X-Obs-Delivery` id, so a receiver can drop the copy when an earlier attempt got through.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx

from observability.delivery.sender import Message, Outcome, Result, retry, sent

PAGE = "page"
SIGNATURE_HEADER = "X-Obs-Signature"
TIMESTAMP_HEADER = "X-Obs-Timestamp"
DELIVERY_HEADER = "X-Obs-Delivery"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Obs-Signature` value for `body` sent at `timestamp` (Unix seconds, as a string)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def page_body(message: Message, public_url: str) -> dict[str, Any]:
    return {
        "delivery": message.id,
        "incident_id": message.incident_id,
        "incident_url": f"{public_url.rstrip('/')}/incidents/{message.incident_id}",
        "target": message.target,
        "person": message.person,
        "address": message.channel,
        **{key: value for key, value in message.payload.items() if key != "incident_id"},
    }


class WebhookSender:
    """POSTs `page` rows to `url`, signed with `secret`."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        public_url: str,
        clock: Callable[[], datetime],
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url, self.secret, self.public_url, self.clock = url, secret, public_url, clock
        self.timeout, self.transport = timeout, transport
        self._client: httpx.AsyncClient | None = None

    def handles(self, kind: str) -> bool:
        return kind == PAGE

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, transport=self.transport)

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[None]:
        """One client (its connections and TLS context) for a run of the sender."""
        async with self._new_client() as client:
            self._client = client
            try:
                yield
            finally:
                self._client = None

    async def send(self, message: Message) -> Result:
        body = json.dumps(page_body(message, self.public_url), separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(self.clock().timestamp()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            DELIVERY_HEADER: str(message.id),
        }
        try:
            if self._client is not None:
                response = await self._client.post(self.url, content=body, headers=headers)
            else:
                async with self._new_client() as client:
                    response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            # The receiver may have it; the same delivery id lets it drop the copy we send next.
            return Result(Outcome.IN_DOUBT, error=f"{type(exc).__name__}: {exc}"[:500])
        if response.is_success:
            return sent(str(response.status_code))
        error = f"{response.status_code} {response.text[:200]}"
        if response.status_code == 429:
            return retry(error, _retry_after(response.headers.get("Retry-After")))
        if response.status_code >= 500 or response.status_code in (408, 425):
            return retry(error)
        return Result(Outcome.FAILED, error=error)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None
