"""Compare each signal in a window after the deploy with the same-length window before it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx

from .signals import JOB_FAILURE_RATIO, SIGNALS, Signal, Thresholds, Unit


class InstantQuery(Protocol):
    """Evaluates PromQL at one instant; None when there is no value (no series, or NaN)."""

    def __call__(self, expr: str, at: float) -> float | None: ...


class PrometheusError(RuntimeError):
    """Prometheus is unreachable or rejected a query."""


class PrometheusInstantQuery:
    """InstantQuery over Prometheus's HTTP API."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)

    def __call__(self, expr: str, at: float) -> float | None:
        try:
            answer = self.http.get("/api/v1/query", params={"query": expr, "time": at}).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PrometheusError(f"cannot query Prometheus at {self.http.base_url}: {exc}") from exc
        if answer.get("status") != "success":
            raise PrometheusError(f"Prometheus rejected {expr!r}: {answer.get('error')}")
        result = answer["data"]["result"]
        if not result:
            return None
        value = float(result[0]["value"][1])
        return None if math.isnan(value) or math.isinf(value) else value


@dataclass(frozen=True)
class Comparison:
    signal: Signal
    before: float | None
    after: float | None
    limit: str  # the threshold, in words
    failed: bool

    @property
    def verdict(self) -> str:
        if self.failed:
            return "FAIL"
        return "no data" if self.before is None or self.after is None else "ok"


def judge(signal: Signal, before: float | None, after: float | None, thresholds: Thresholds) -> Comparison:
    """Whether `after` is too much worse than `before` for this signal."""
    if signal.unit is Unit.SECONDS:
        slack_ms = thresholds.latency_slack_seconds * 1000
        limit = f"<= {thresholds.max_latency_factor:g}x before (+{slack_ms:g} ms slack)"
        failed = (
            before is not None
            and after is not None
            and after > before * thresholds.max_latency_factor
            and after - before > thresholds.latency_slack_seconds
        )
        return Comparison(signal, before, after, limit, failed)
    allowed = (
        thresholds.max_job_failure_ratio_increase
        if signal is JOB_FAILURE_RATIO
        else thresholds.max_error_ratio_increase
    )
    limit = f"<= +{allowed * 100:g} pp"
    # no baseline (no traffic before): judge the after-window against zero
    failed = after is not None and after - (before or 0.0) > allowed
    return Comparison(signal, before, after, limit, failed)


@dataclass(frozen=True)
class Verification:
    deploy_time: float
    window_seconds: float
    comparisons: tuple[Comparison, ...]

    @property
    def passed(self) -> bool:
        return not any(comparison.failed for comparison in self.comparisons)


def verify(
    query: InstantQuery,
    *,
    deploy_time: float,
    window_seconds: float,
    thresholds: Thresholds,
    signals: Sequence[Signal] = SIGNALS,
) -> Verification:
    """Each signal over [deploy - window, deploy] against [deploy, deploy + window]."""
    window = f"{int(window_seconds)}s"
    comparisons = []
    for signal in signals:
        expr = signal.at_window(window)
        before = query(expr, deploy_time)
        after = query(expr, deploy_time + window_seconds)
        comparisons.append(judge(signal, before, after, thresholds))
    return Verification(deploy_time, window_seconds, tuple(comparisons))


def format_value(value: float | None, unit: Unit) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1000:.1f} ms" if unit is Unit.SECONDS else f"{value * 100:.2f} %"


def render_table(verification: Verification) -> str:
    """A side-by-side table: signal, before, after, allowed, verdict."""
    header = ("signal", "before deploy", "after deploy", "allowed", "verdict")
    rows = [header] + [
        (
            c.signal.name,
            format_value(c.before, c.signal.unit),
            format_value(c.after, c.signal.unit),
            c.limit,
            c.verdict,
        )
        for c in verification.comparisons
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
