"""The frontend, simulated: submits jobs and polls them at a set rate, bounded in time and count."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from .schema import JOB_TYPES

log = logging.getLogger(__name__)


@dataclass
class TrafficReport:
    """What the generator did, by HTTP status (0: the request itself failed)."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)

    def count(self, status: int) -> None:
        self.requests += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


class TrafficGenerator:
    """Each tick: submit a job, poll a recent one, now and then read an unknown id or check health."""

    def __init__(
        self, api_url: str, *, rate: float = 10.0, threads: int = 8, seed: int | None = None
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.api_url = api_url
        self.rate = rate
        self.threads = threads
        self.rng = random.Random(seed)
        self.recent: deque[str] = deque(maxlen=200)
        self.report = TrafficReport()
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self, *, duration: float, max_requests: int | None = None) -> TrafficReport:
        """Generate traffic for `duration` seconds or until `max_requests` were sent (or `stop()`)."""
        deadline = time.monotonic() + duration
        interval = 1.0 / self.rate
        next_tick = time.monotonic()
        with (
            httpx.Client(base_url=self.api_url, timeout=10.0) as client,
            ThreadPoolExecutor(self.threads, thread_name_prefix="traffic") as pool,
        ):
            tick = 0
            while not self.stopping.is_set() and time.monotonic() < deadline:
                if max_requests is not None and tick >= max_requests:
                    break
                pool.submit(self._one_tick, client, tick)
                tick += 1
                next_tick += interval
                self.stopping.wait(max(next_tick - time.monotonic(), 0.0))
        return self.report

    def stop(self) -> None:
        self.stopping.set()

    def _one_tick(self, client: httpx.Client, tick: int) -> None:
        if tick % 2 == 0:
            self._request(
                client, "POST", "/jobs", {"job_type": self.rng.choice(JOB_TYPES), "text": f"doc {tick}"}
            )
        elif self.recent and self.rng.random() < 0.9:
            self._request(client, "GET", f"/jobs/{self.rng.choice(list(self.recent))}")
        else:
            self._request(client, "GET", f"/jobs/{self.rng.getrandbits(64):016x}")  # a 404, as clients do
        if tick % max(int(self.rate), 1) == 0:
            self._request(client, "GET", "/healthz")

    def _request(
        self, client: httpx.Client, method: str, path: str, body: dict[str, str] | None = None
    ) -> None:
        try:
            response = client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            log.warning("traffic request failed", extra={"path": path, "error": type(exc).__name__})
            status = 0
        else:
            status = response.status_code
            if method == "POST" and status == 202:
                with self._lock:
                    self.recent.append(response.json()["id"])
        with self._lock:
            self.report.count(status)
