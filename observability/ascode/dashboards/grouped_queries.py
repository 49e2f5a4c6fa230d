"""Panel queries drawing one series per value of some labels, each series named by those labels."""

from __future__ import annotations

from observability.catalog import Metric

from .panels import Query
from .queries import RANGE, RATE_INTERVAL, Matchers, highest, legend, selector, sum_increase, sum_rate, total


def _named(expr: str, labels: tuple[str, ...], note: str) -> Query:
    # The legend names exactly the labels the expression groups by, plus what the series is.
    return Query(expr, f"{legend(*labels)} {note}" if note else legend(*labels))


def rate_by(
    metric: Metric | str, matchers: Matchers, *labels: str, note: str = "", window: str = RATE_INTERVAL
) -> Query:
    """Per-second rate of a counter, summed per value of `labels`."""
    return _named(sum_rate(metric, matchers, labels, window=window), labels, note)


def increase_by(metric: Metric | str, matchers: Matchers, *labels: str, window: str = RANGE) -> Query:
    """Increase of a counter over `window`, summed per value of `labels`."""
    return _named(sum_increase(metric, matchers, labels, window=window), labels, "")


def sum_by(metric: Metric | str, matchers: Matchers, *labels: str) -> Query:
    """A gauge summed per value of `labels`."""
    return _named(total(selector(metric, matchers), labels), labels, "")


def max_by(metric: Metric | str, matchers: Matchers, *labels: str) -> Query:
    """The highest value of a gauge per value of `labels`."""
    return _named(highest(selector(metric, matchers), labels), labels, "")
