"""Talking to the live Prometheus: instant queries, alert states, waiting for conditions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


class PrometheusClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10.0)

    def query(self, expr: str, at: float | None = None) -> dict[str, Any]:
        """The raw /api/v1/query answer (status, data or errorType/error)."""
        params: dict[str, str | float] = {"query": expr}
        if at is not None:
            params["time"] = at
        return dict(self.http.get("/api/v1/query", params=params).json())

    def series(self, expr: str) -> list[dict[str, Any]]:
        answer = self.query(expr)
        assert answer["status"] == "success", f"{expr}: {answer.get('error')}"
        return list(answer["data"]["result"])

    def alert_states(self) -> dict[str, set[str]]:
        """{alertname: {states of its instances}} from /api/v1/alerts."""
        alerts = self.http.get("/api/v1/alerts").json()["data"]["alerts"]
        states: dict[str, set[str]] = {}
        for alert in alerts:
            states.setdefault(alert["labels"]["alertname"], set()).add(alert["state"])
        return states


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.5) -> float:
    """Seconds it took `condition()` to hold; AssertionError after `timeout`."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        time.sleep(interval)
