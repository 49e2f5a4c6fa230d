"""Failed credentials per client in a sliding window: past the limit, 429 with Retry-After.

Counted per replica in memory (a client spread over N replicas gets N times the budget; the
tokens are 32 random bytes, so the limit slows guessing and noise, it is not what makes them
unguessable). Only wrong credentials count: a missing header is not a guess, a success is not a
failure. While a client is over the limit every attempt is refused before it is checked, so a
429 tells nothing about the credential it carried.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

from fastapi import FastAPI, HTTPException, Request, status

from observability.web.clock import now_of

# Kinds of credential, each with its own budget: the webhook's one token, and the API tokens
# (REST API, pages and the sign-in form share it: they accept the same tokens).
WEBHOOK = "webhook"
API_TOKEN = "api-token"
# Clients remembered at most; the least recently failing one is forgotten first.
MAX_CLIENTS = 10_000


class FailureLimiter:
    """At most `limit` failures per key within `window`; thread-safe (sync routes run in threads)."""

    def __init__(self, *, limit: int, window: timedelta, max_clients: int = MAX_CLIENTS) -> None:
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: datetime) -> int | None:
        """Whole seconds until `key` may try again, or None when it may try now."""
        with self._lock:
            failures = self._failures.get(key)
            if failures is None or len(failures) < self.limit:
                return None
            free_at = failures[0] + self.window
            if free_at <= now:
                return None
            return max(1, math.ceil((free_at - now).total_seconds()))

    def record(self, key: str, now: datetime) -> None:
        """Count one failure of `key` at `now`."""
        with self._lock:
            failures = self._failures.pop(key, None) or deque(maxlen=self.limit)
            failures.append(now)
            self._failures[key] = failures
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)


def install(app: FastAPI) -> None:
    """The app's limiter (`app.state.auth_failures`) from OBS_AUTH_FAILURE_LIMIT and its window."""
    settings = app.state.settings
    app.state.auth_failures = FailureLimiter(
        limit=settings.auth_failure_limit, window=timedelta(seconds=settings.auth_failure_window_seconds)
    )


def client_key(request: Request, kind: str) -> str:
    """Who is failing: the kind of credential and the client's address (as uvicorn reports it)."""
    host = request.client.host if request.client is not None else "unknown"
    return f"{kind}:{host}"


def refuse_if_limited(request: Request, kind: str) -> None:
    """429 with Retry-After when this client failed `kind` credentials too often lately."""
    limiter: FailureLimiter = request.app.state.auth_failures
    wait = limiter.retry_after(client_key(request, kind), now_of(request.app))
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins or wrong tokens from this address; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def record_failure(request: Request, kind: str) -> None:
    """Count a wrong `kind` credential from this client."""
    limiter: FailureLimiter = request.app.state.auth_failures
    limiter.record(client_key(request, kind), now_of(request.app))
