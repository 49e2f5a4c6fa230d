"""Prometheus over HTTP for the review graphs: `query_range` and the alerting rules' `for` durations.

A small interface (`RangeSource`) so the graphs take a fake in unit tests and the real client in
production; every failure becomes `PrometheusUnavailable` with a sentence saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

TIMEOUT_SECONDS = 3.0


class PrometheusUnavailable(Exception):
    """Prometheus could not answer; the message says why, in words for the review."""


@dataclass(frozen=True)
class Series:
    """One series of a range query: its labels and (unix time, value) points."""

    labels: tuple[tuple[str, str], ...]
    points: tuple[tuple[float, float], ...]


class RangeSource(Protocol):
    """Where graphs get their data from."""

    url: str

    def query_range(
        self, query: str, *, start: datetime, end: datetime, step_seconds: int
    ) -> list[Series]: ...

    def rule_durations(self) -> dict[str, float]: ...


class PrometheusHTTP:
    """The real Prometheus HTTP API at `url`, with a short timeout (a review never waits long)."""

    def __init__(
        self, url: str, *, timeout: float = TIMEOUT_SECONDS, transport: httpx.BaseTransport | None = None
    ):
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._client.close()

    def query_range(self, query: str, *, start: datetime, end: datetime, step_seconds: int) -> list[Series]:
        params = {"query": query, "start": start.timestamp(), "end": end.timestamp(), "step": step_seconds}
        data = self._get("/api/v1/query_range", params)
        if data.get("resultType") != "matrix":
            raise PrometheusUnavailable(f"Prometheus answered a {data.get('resultType')!r}, not a range")
        found = []
        for item in data.get("result") or []:
            labels = tuple(sorted((str(k), str(v)) for k, v in (item.get("metric") or {}).items()))
            points = tuple((float(t), float(v)) for t, v in item.get("values") or [])
            found.append(Series(labels, points))
        return found

    def rule_durations(self) -> dict[str, float]:
        """{alert name: its `for` in seconds} of the rules Prometheus runs (the longest per name)."""
        data = self._get("/api/v1/rules", {"type": "alert"})
        found: dict[str, float] = {}
        for group in data.get("groups") or []:
            for rule in group.get("rules") or []:
                if rule.get("type") == "alerting" and isinstance(rule.get("duration"), int | float):
                    name = str(rule.get("name", ""))
                    found[name] = max(found.get(name, 0.0), float(rule["duration"]))
        return found

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.get(path, params=params)
        except httpx.TimeoutException:
            raise PrometheusUnavailable(
                f"Prometheus at {self.url} did not answer within the timeout"
            ) from None
        except httpx.HTTPError as exc:
            raise PrometheusUnavailable(f"Prometheus at {self.url} is not reachable ({exc})") from None
        try:
            body = response.json()
        except ValueError:
            raise PrometheusUnavailable(
                f"Prometheus at {self.url} answered HTTP {response.status_code} without JSON"
            ) from None
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else None
            answer = f"HTTP {response.status_code}: {error or 'no reason'}"
            raise PrometheusUnavailable(f"Prometheus at {self.url} refused the query ({answer})")
        data = body.get("data")
        return data if isinstance(data, dict) else {"groups": data} if isinstance(data, list) else {}
