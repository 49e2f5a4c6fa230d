"""Quantiles of catalog histograms as panel queries and as one-panel-per-quantile rows."""

from __future__ import annotations

from collections.abc import Sequence

from grafanalib.core import TimeSeries

from observability.catalog import Metric

from .panels import Column, Query, Steps, timeseries
from .queries import RANGE, RATE_INTERVAL, Matchers, legend, quantile

QUANTILES = (0.5, 0.95, 0.99)


def percentile(q: float) -> str:
    """0.95 -> "p95"."""
    return f"p{round(q * 100)}"


def quantile_series(
    histogram: Metric,
    matchers: Matchers,
    quantiles: Sequence[float] = QUANTILES,
    *,
    window: str = RATE_INTERVAL,
    function: str = "rate",
) -> list[Query]:
    """One query per quantile across every series of the histogram, named p50, p95, …"""
    return [
        Query(quantile(q, histogram, matchers, window=window, function=function), percentile(q))
        for q in quantiles
    ]


def quantile_by(
    histogram: Metric,
    matchers: Matchers,
    label: str,
    *,
    title: str,
    description: str,
    thresholds: Steps | None = None,
    quantiles: Sequence[float] = QUANTILES,
    width: int = 8,
) -> list[TimeSeries]:
    """One panel per quantile with a series per value of `label`; `{p}` in the title becomes p95 etc."""
    return [
        timeseries(
            title.format(p=percentile(q)),
            f"{round(q * 100)}th percentile of {description}, estimated from the histogram buckets.",
            [Query(quantile(q, histogram, matchers, (label,)), legend(label))],
            unit="s",
            thresholds=thresholds,
            width=width,
        )
        for q in quantiles
    ]


def quantile_columns(
    histogram: Metric, matchers: Matchers, label: str, *, thresholds: Steps | None = None
) -> list[Column]:
    """Table columns p50, p95, p99 per value of `label`, over the dashboard's time range."""
    return [
        Column(quantile(q, histogram, matchers, (label,), window=RANGE), percentile(q), "s", thresholds)
        for q in QUANTILES
    ]
