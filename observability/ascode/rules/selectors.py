"""Series selectors built from catalog metrics, so rule sources never re-spell a metric name."""

from __future__ import annotations

from dataclasses import dataclass

from observability.catalog import Metric


@dataclass(frozen=True)
class Matcher:
    """A label matcher other than equality: `=~`, `!=` or `!~`."""

    operator: str
    value: str


def regex(value: str) -> Matcher:
    return Matcher("=~", value)


def not_equal(value: str) -> Matcher:
    return Matcher("!=", value)


def not_regex(value: str) -> Matcher:
    return Matcher("!~", value)


def series(metric: Metric | str, suffix: str = "", **matchers: str | Matcher) -> str:
    """`name{label="value",...}`; `suffix` picks a histogram's `_bucket`, `_count` or `_sum`."""
    name = (metric.name if isinstance(metric, Metric) else metric) + suffix
    if not matchers:
        return name
    parts = []
    for label, matcher in matchers.items():
        operator, value = ("=", matcher) if isinstance(matcher, str) else (matcher.operator, matcher.value)
        parts.append(f'{label}{operator}"{_quoted(value)}"')
    return name + "{" + ",".join(parts) + "}"


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
