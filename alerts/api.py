"""Alerts on the HTTP API: is it up, does it answer without errors, fast, without queueing."""

from observability.ascode.rules import AlertRule, above, rate_ratio, regex, series, target_down_alert
from observability.catalog import names, platform

API = platform.API
REQUESTS = series(platform.HTTP_REQUESTS, job=API.job)
ERRORS = series(platform.HTTP_REQUESTS, job=API.job, status=regex("5.."))
DURATION_BUCKETS = series(platform.HTTP_REQUEST_DURATION, "_bucket", job=API.job)
IN_FLIGHT = series(platform.HTTP_REQUESTS_IN_FLIGHT, job=API.job)

# Each instance serves at most this many requests concurrently before they queue (uvicorn's
# default backlog is far larger, so latency degrades long before connections are refused).
IN_FLIGHT_LIMIT = 100

RULES = [
    target_down_alert(
        API,
        name="PlatformApiDown",
        summary="The API is down or cannot be scraped.",
        subject="the API",
        impact="clients cannot submit jobs.",
        runbook="api-down",
    ),
    AlertRule(
        name="PlatformApiHighErrorRatio",
        expr=above(rate_ratio(ERRORS, REQUESTS, by=(names.JOB,), window="5m"), 0.05),
        for_="5m",
        severity=names.CRITICAL,
        service=API,
        summary="More than 5% of API requests fail with a server error.",
        description=(
            "{{ $value | humanizePercentage }} of requests to {{ $labels.job }} answered 5xx over the last "
            "5 minutes (threshold 5%)."
        ),
        runbook="api-errors",
    ),
    AlertRule(
        name="PlatformApiHighLatency",
        expr=f"""
            histogram_quantile(0.95, sum by (job, route, le) (rate({DURATION_BUCKETS}[5m])))
            > 1
        """,
        for_="10m",
        severity=names.WARNING,
        service=API,
        summary="API p95 latency is above 1 second on a route.",
        description=(
            "p95 latency of {{ $labels.route }} on {{ $labels.job }} is {{ $value | humanizeDuration }} "
            "over the last 5 minutes (threshold 1s)."
        ),
        runbook="api-latency",
    ),
    AlertRule(
        name="PlatformApiTooManyInFlight",
        expr=f"sum by (job, instance) ({IN_FLIGHT}) > {IN_FLIGHT_LIMIT}",
        for_="5m",
        severity=names.WARNING,
        service=API,
        summary="An API instance is saturated with concurrent requests.",
        description=(
            "{{ $labels.instance }} has been handling {{ $value }} requests at once for 5 minutes "
            f"(threshold {IN_FLIGHT_LIMIT}): requests queue and latency climbs."
        ),
        runbook="api-latency",
    ),
]
