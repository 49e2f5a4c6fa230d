"""Alerts on external APIs as their callers (API and workers) see them: errors, outages, latency."""

from observability.ascode.rules import AlertRule, regex, series
from observability.catalog import names, platform

DEPENDENCIES = platform.DEPENDENCIES
CALLS = series(platform.DEPENDENCY_REQUESTS)
FAILED_CALLS = series(platform.DEPENDENCY_REQUESTS, outcome=regex(f"{names.FAILURE}|{names.TIMEOUT}"))
DURATION_BUCKETS = series(platform.DEPENDENCY_REQUEST_DURATION, "_bucket")

ERROR_RATIO = f"""
    sum by (dependency) (rate({FAILED_CALLS}[5m]))
    /
    sum by (dependency) (rate({CALLS}[5m]))
"""

RULES = [
    AlertRule(
        name="PlatformDependencyHighErrorRatio",
        expr=f"{ERROR_RATIO} > 0.1",
        for_="10m",
        severity=names.WARNING,
        service=DEPENDENCIES,
        summary="More than 10% of calls to an external dependency fail.",
        description=(
            "{{ $value | humanizePercentage }} of calls to {{ $labels.dependency }} failed or timed out "
            "over the last 5 minutes (threshold 10%)."
        ),
        runbook="dependency-errors",
    ),
    AlertRule(
        name="PlatformDependencyDown",
        expr=f"{ERROR_RATIO} > 0.95",
        for_="5m",
        severity=names.CRITICAL,
        service=DEPENDENCIES,
        summary="An external dependency is failing almost every call.",
        description=(
            "{{ $value | humanizePercentage }} of calls to {{ $labels.dependency }} failed or timed out "
            "over the last 5 minutes (threshold 95%): treat it as an outage."
        ),
        runbook="dependency-errors",
    ),
    AlertRule(
        name="PlatformDependencyHighLatency",
        expr=f"""
            histogram_quantile(0.95, sum by (dependency, le) (rate({DURATION_BUCKETS}[5m])))
            > 2
        """,
        for_="10m",
        severity=names.WARNING,
        service=DEPENDENCIES,
        summary="An external dependency's p95 latency is above 2 seconds.",
        description=(
            "p95 latency of calls to {{ $labels.dependency }} is {{ $value | humanizeDuration }} over "
            "the last 5 minutes (threshold 2s)."
        ),
        runbook="dependency-latency",
    ),
]
