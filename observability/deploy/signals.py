"""The signals a deploy is judged on, as PromQL built from catalog names, and their thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from observability.catalog import names, service
from observability.catalog import platform as catalog


class Unit(StrEnum):
    RATIO = "ratio"
    SECONDS = "seconds"


@dataclass(frozen=True)
class Signal:
    """One signal: `expr` has a literal `{window}` placeholder for the range (PromQL has braces too).

    Ratios count "no errors at all" as 0 (`or vector(0)`), and no traffic as no value.
    """

    name: str
    expr: str
    unit: Unit

    def at_window(self, window: str) -> str:
        return self.expr.replace("{window}", window)


@dataclass(frozen=True)
class Thresholds:
    """How much worse than the baseline a signal may get before the deploy fails verification."""

    max_error_ratio_increase: float = 0.02  # absolute: 2 percentage points
    max_latency_factor: float = 1.5  # p95 after / p95 before
    latency_slack_seconds: float = 0.05  # latency changes smaller than this never fail
    max_job_failure_ratio_increase: float = 0.05  # absolute: 5 percentage points


def _selector(job: str, extra: str = "") -> str:
    matchers = [f'{names.JOB}="{job}"'] + ([extra] if extra else [])
    return "{" + ",".join(matchers) + "}"


def _rate(metric: str, selector: str) -> str:
    return "rate(" + metric + selector + "[{window}])"


_API, _WORKER = service("api").job, service("worker").job
_SERVER_ERRORS = names.STATUS + '=~"5.."'
_FAILED = names.OUTCOME + '="' + names.FAILURE + '"'

ERROR_RATIO = Signal(
    "API error ratio (5xx)",
    f"(sum({_rate(catalog.HTTP_REQUESTS.name, _selector(_API, _SERVER_ERRORS))}) or vector(0))"
    f" / sum({_rate(catalog.HTTP_REQUESTS.name, _selector(_API))})",
    Unit.RATIO,
)
P95_LATENCY = Signal(
    "API p95 latency",
    f"histogram_quantile(0.95, sum by ({names.LE}) "
    f"({_rate(catalog.HTTP_REQUEST_DURATION.name + '_bucket', _selector(_API))}))",
    Unit.SECONDS,
)
JOB_FAILURE_RATIO = Signal(
    "job failure ratio",
    f"(sum({_rate(catalog.JOBS_PROCESSED.name, _selector(_WORKER, _FAILED))}) or vector(0))"
    f" / sum({_rate(catalog.JOBS_PROCESSED.name, _selector(_WORKER))})",
    Unit.RATIO,
)
SIGNALS = (ERROR_RATIO, P95_LATENCY, JOB_FAILURE_RATIO)
