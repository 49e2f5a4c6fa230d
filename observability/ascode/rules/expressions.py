"""PromQL aggregations for alert expressions: both sides of a ratio share one grouping and one window."""

from __future__ import annotations

from collections.abc import Sequence


def sum_over(function: str, series: str, *, by: Sequence[str], window: str) -> str:
    """`sum by (labels) (function(series[window]))`, e.g. a rate or an increase per group."""
    return f"sum by ({', '.join(by)}) ({function}({series}[{window}]))"


def sum_rate(series: str, *, by: Sequence[str], window: str) -> str:
    return sum_over("rate", series, by=by, window=window)


def sum_increase(series: str, *, by: Sequence[str], window: str) -> str:
    return sum_over("increase", series, by=by, window=window)


def rate_ratio(part: str, whole: str, *, by: Sequence[str], window: str) -> str:
    """The rate of `part` over the rate of `whole`, one term a line."""
    return f"{sum_rate(part, by=by, window=window)}\n/\n{sum_rate(whole, by=by, window=window)}"


def above(expression: str, threshold: float) -> str:
    """The expression where it exceeds `threshold`, the comparison on a line of its own."""
    return f"{expression}\n> {threshold}"
