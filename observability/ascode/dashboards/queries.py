"""PromQL for dashboard panels, built from catalog metrics so that no metric name is spelt twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from observability.catalog import Metric, MetricKind
from observability.catalog import names as n

# Grafana fills these in: a rate window safe for the scrape interval, and the dashboard's time range.
RATE_INTERVAL = "$__rate_interval"
RANGE = "$__range"

# The job and instance template variables of a service dashboard, as label matchers.
JOB_MATCHER = f'{n.JOB}=~"$job"'
INSTANCE_MATCHER = f'{n.INSTANCE}=~"$instance"'
JOB_INSTANCE = (JOB_MATCHER, INSTANCE_MATCHER)

Matchers = Sequence[str]


def series(metric: Metric | str, suffix: str = "") -> str:
    """The series name of a metric family (``_bucket``, ``_sum``, ``_count`` only for histograms)."""
    if isinstance(metric, str):
        if suffix:
            raise ValueError(f"{metric!r}: suffixes apply to catalog histograms only")
        return metric
    if suffix and metric.kind != MetricKind.HISTOGRAM:
        raise ValueError(f"{metric.name!r} is a {metric.kind}, it has no {suffix!r} series")
    return f"{metric.name}_{suffix}" if suffix else metric.name


def matcher(label: str, operator: str, value: str) -> str:
    """One label matcher, e.g. ``status=~"5.."``; values are Grafana text, variables included."""
    return f'{label}{operator}"{value}"'


def eq(label: str, value: str) -> str:
    return matcher(label, "=", value)


def ne(label: str, value: str) -> str:
    return matcher(label, "!=", value)


def regex(label: str, pattern: str) -> str:
    return matcher(label, "=~", pattern)


def not_regex(label: str, pattern: str) -> str:
    return matcher(label, "!~", pattern)


def selector(metric: Metric | str, matchers: Matchers = (), suffix: str = "") -> str:
    """``name{matchers}``."""
    name = series(metric, suffix)
    return f"{name}{{{', '.join(matchers)}}}" if matchers else name


def grouping(labels: Sequence[str]) -> str:
    return f" by ({', '.join(labels)})" if labels else ""


def aggregate(operator: str, expr: str, by: Sequence[str] = ()) -> str:
    """``operator by (labels) (expr)``, e.g. ``max by (job_type) (...)``."""
    return f"{operator}{grouping(by)} ({expr})"


def total(expr: str, by: Sequence[str] = ()) -> str:
    return aggregate("sum", expr, by)


def highest(expr: str, by: Sequence[str] = ()) -> str:
    return aggregate("max", expr, by)


def over_window(
    function: str, metric: Metric | str, matchers: Matchers = (), *, suffix: str = "", window: str
) -> str:
    """A range function of the series, e.g. ``increase(name{matchers}[window])``."""
    return f"{function}({selector(metric, matchers, suffix)}[{window}])"


def rate(
    metric: Metric | str, matchers: Matchers = (), *, suffix: str = "", window: str = RATE_INTERVAL
) -> str:
    """Per-second rate of a counter, per series."""
    return over_window("rate", metric, matchers, suffix=suffix, window=window)


def sum_rate(
    metric: Metric | str,
    matchers: Matchers = (),
    by: Sequence[str] = (),
    *,
    suffix: str = "",
    window: str = RATE_INTERVAL,
) -> str:
    """Per-second rate of a counter, summed by the given labels."""
    return total(rate(metric, matchers, suffix=suffix, window=window), by)


def sum_increase(
    metric: Metric | str,
    matchers: Matchers = (),
    by: Sequence[str] = (),
    *,
    suffix: str = "",
    window: str = RANGE,
) -> str:
    """Increase of a counter over a window (the dashboard range by default), summed by labels."""
    return total(over_window("increase", metric, matchers, suffix=suffix, window=window), by)


def ratio(numerator: str, denominator: str) -> str:
    return f"{numerator}\n/\n{denominator}"


def quantile(
    q: float,
    histogram: Metric,
    matchers: Matchers = (),
    by: Sequence[str] = (),
    *,
    window: str = RATE_INTERVAL,
    function: str = "rate",
) -> str:
    """A quantile estimated from a catalog histogram's buckets, per group of labels."""
    buckets = over_window(function, histogram, matchers, suffix="bucket", window=window)
    return f"histogram_quantile({q}, {total(buckets, (*by, n.LE))})"


def mean(
    histogram: Metric,
    matchers: Matchers = (),
    by: Sequence[str] = (),
    *,
    window: str = RATE_INTERVAL,
    function: str = "rate",
) -> str:
    """Mean observation of a histogram over a window: sum of observations over their count."""
    observed, counted = (
        total(over_window(function, histogram, matchers, suffix=suffix, window=window), by)
        for suffix in ("sum", "count")
    )
    return ratio(observed, counted)


def age(
    timestamp: Metric | str, matchers: Matchers = (), by: Sequence[str] = (), *, stalest: bool = False
) -> str:
    """Seconds since a Unix-timestamp gauge: the newest per group, or the stalest one."""
    return f"time() - {aggregate('min' if stalest else 'max', selector(timestamp, matchers), by)}"


def legend(*labels: str) -> str:
    """A Grafana legend template naming each series by the given labels."""
    return " ".join("{{" + label + "}}" for label in labels)


def zero_if_absent(expr: str) -> str:
    """An unlabelled sum that reads 0, not "no data", before its first matching series exists."""
    return f"({expr} or vector(0))"


def ratio_of_rates(
    metric: Metric | str,
    part: Matchers,
    whole: Matchers,
    by: Sequence[str] = (),
    *,
    window: str = RATE_INTERVAL,
) -> str:
    """Rate of the `part` series over the rate of the `whole`, per group (e.g. 5xx over all requests).

    Ungrouped, it reads 0 while no `part` series exists yet; grouped, such groups are simply absent.
    """
    numerator = sum_rate(metric, part, by, window=window)
    return ratio(numerator if by else zero_if_absent(numerator), sum_rate(metric, whole, by, window=window))


@dataclass(frozen=True)
class RatioOfRates:
    """A dashboard's named ratio, e.g. 5xx among all requests: call it with the labels and window wanted."""

    metric: Metric | str
    part: Matchers
    whole: Matchers

    def __call__(self, by: Sequence[str] = (), window: str = RATE_INTERVAL) -> str:
        return ratio_of_rates(self.metric, self.part, self.whole, by, window=window)
