"""HTTP API: RED per route template, status codes, in-flight requests, pools and process resources."""

from observability.ascode.dashboards import service_panels as shared
from observability.ascode.dashboards.board import build_dashboard, instance_variable, job_variable
from observability.ascode.dashboards.grouped_queries import rate_by, sum_by
from observability.ascode.dashboards.histogram_panels import quantile_by, quantile_columns, quantile_series
from observability.ascode.dashboards.panels import (
    Column,
    Query,
    higher_is_worse,
    lower_is_worse,
    section,
    stat,
    table,
    timeseries,
)
from observability.ascode.dashboards.queries import (
    JOB_INSTANCE,
    RANGE,
    RatioOfRates,
    eq,
    legend,
    quantile,
    ratio,
    regex,
    selector,
    sum_rate,
    total,
)
from observability.catalog import names as n
from observability.catalog.platform import (
    API,
    HTTP_LATENCY_THRESHOLD_LE,
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    HTTP_REQUESTS_IN_FLIGHT,
)

SERVER_ERRORS = (*JOB_INSTANCE, regex(n.STATUS, "5.."))
error_ratio = RatioOfRates(HTTP_REQUESTS, SERVER_ERRORS, JOB_INSTANCE)
FAST = (*JOB_INSTANCE, eq(n.LE, HTTP_LATENCY_THRESHOLD_LE))
ERROR_RATIO = higher_is_worse(0.01, 0.05)
LATENCY = higher_is_worse(0.3, 1.0)

dashboard = build_dashboard(
    "api",
    [
        section("Golden signals"),
        [
            stat(
                "Request rate",
                "Requests per second across every route.",
                [sum_rate(HTTP_REQUESTS, JOB_INSTANCE)],
                unit="reqps",
            ),
            stat(
                "Error ratio (5xx)",
                "Share of requests answered with a 5xx. The availability SLO allows 0.1 % over 30 days.",
                [error_ratio()],
                unit="percentunit",
                thresholds=ERROR_RATIO,
            ),
            stat(
                "p95 latency",
                "95th percentile of request duration across every route.",
                [quantile(0.95, HTTP_REQUEST_DURATION, JOB_INSTANCE)],
                unit="s",
                thresholds=LATENCY,
            ),
            stat(
                "Requests under 300 ms",
                "Share of requests answered within the latency SLO threshold (objective 99 %).",
                [
                    ratio(
                        sum_rate(HTTP_REQUEST_DURATION, FAST, suffix="bucket"),
                        sum_rate(HTTP_REQUEST_DURATION, JOB_INSTANCE, suffix="count"),
                    )
                ],
                unit="percentunit",
                decimals=2,
                thresholds=lower_is_worse(0.95, 0.99),
            ),
            stat(
                "In flight",
                "Requests being handled right now; a rise with flat traffic means requests are stuck.",
                [total(selector(HTTP_REQUESTS_IN_FLIGHT, JOB_INSTANCE))],
                unit="short",
                thresholds=higher_is_worse(50, 100),
            ),
            shared.targets_up(),
        ],
        section("RED per route template"),
        [
            timeseries(
                "Request rate by route",
                "Requests per second per route template (never the raw path, so cardinality stays bounded).",
                [rate_by(HTTP_REQUESTS, JOB_INSTANCE, n.ROUTE)],
                unit="reqps",
                width=8,
            ),
            timeseries(
                "Error ratio by route",
                "Share of each route's requests answered with a 5xx.",
                [Query(error_ratio((n.ROUTE,)), legend(n.ROUTE))],
                unit="percentunit",
                thresholds=ERROR_RATIO,
                width=8,
            ),
            timeseries(
                "Latency quantiles (all routes)",
                "p50, p95 and p99 of request duration across every route.",
                quantile_series(HTTP_REQUEST_DURATION, JOB_INSTANCE),
                unit="s",
                thresholds=LATENCY,
                width=8,
            ),
        ],
        quantile_by(
            HTTP_REQUEST_DURATION,
            JOB_INSTANCE,
            n.ROUTE,
            title="{p} latency by route",
            description="request duration per route template",
            thresholds=LATENCY,
        ),
        [
            table(
                "Routes over the selected range",
                "Per route template, averaged over the dashboard's time range: traffic, errors and latency.",
                [
                    Column(
                        sum_rate(HTTP_REQUESTS, JOB_INSTANCE, (n.ROUTE,), window=RANGE), "Requests/s", "reqps"
                    ),
                    Column(error_ratio((n.ROUTE,), RANGE), "5xx ratio", "percentunit", ERROR_RATIO),
                    *quantile_columns(HTTP_REQUEST_DURATION, JOB_INSTANCE, n.ROUTE, thresholds=LATENCY),
                ],
                width=24,
            ),
        ],
        section("Status codes and saturation"),
        [
            timeseries(
                "Responses by status code",
                "Responses per second by HTTP status code, stacked.",
                [rate_by(HTTP_REQUESTS, JOB_INSTANCE, n.STATUS)],
                unit="reqps",
                stacked=True,
            ),
            timeseries(
                "Requests in flight",
                "Requests being handled per instance and method.",
                [sum_by(HTTP_REQUESTS_IN_FLIGHT, JOB_INSTANCE, n.INSTANCE, n.METHOD)],
                unit="short",
            ),
        ],
        *shared.pool_and_process_rows(),
    ],
    variables=[job_variable(HTTP_REQUESTS, API.job), instance_variable(HTTP_REQUESTS)],
)
