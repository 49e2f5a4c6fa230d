"""External dependencies, measured from the caller's side: call rate, errors and latency by dependency."""

from observability.ascode.dashboards.board import ALL, build_dashboard, job_variable, label_variable
from observability.ascode.dashboards.grouped_queries import rate_by
from observability.ascode.dashboards.histogram_panels import percentile, quantile_by, quantile_columns
from observability.ascode.dashboards.panels import (
    Column,
    Query,
    higher_is_worse,
    section,
    stat,
    table,
    timeseries,
)
from observability.ascode.dashboards.queries import (
    JOB_MATCHER,
    RANGE,
    RatioOfRates,
    eq,
    legend,
    ne,
    quantile,
    regex,
    sum_increase,
    sum_rate,
    zero_if_absent,
)
from observability.catalog import names as n
from observability.catalog.platform import DEPENDENCY_REQUEST_DURATION, DEPENDENCY_REQUESTS

CALLS = (JOB_MATCHER, regex(n.DEPENDENCY, "$dependency"))
NOT_SUCCEEDED = (*CALLS, ne(n.OUTCOME, n.SUCCESS))
error_ratio = RatioOfRates(DEPENDENCY_REQUESTS, NOT_SUCCEEDED, CALLS)
ERROR_RATIO = higher_is_worse(0.01, 0.1)
LATENCY = higher_is_worse(1.0, 2.0)

dashboard = build_dashboard(
    "dependencies",
    [
        section("Selected dependencies"),
        [
            stat(
                "Calls/s",
                "Outbound calls per second, any outcome.",
                [sum_rate(DEPENDENCY_REQUESTS, CALLS)],
                unit="reqps",
            ),
            stat(
                "Error ratio",
                "Share of calls whose outcome was not success (failure, timeout or retry).",
                [error_ratio()],
                unit="percentunit",
                thresholds=ERROR_RATIO,
            ),
            *(
                stat(
                    f"{percentile(q)} latency",
                    f"{round(q * 100)}th percentile of call duration, timeouts included.",
                    [quantile(q, DEPENDENCY_REQUEST_DURATION, CALLS)],
                    unit="s",
                    thresholds=LATENCY,
                )
                for q in (0.95, 0.99)
            ),
            stat(
                "Timeouts in range",
                "Calls that timed out over the dashboard's time range.",
                [zero_if_absent(sum_increase(DEPENDENCY_REQUESTS, (*CALLS, eq(n.OUTCOME, n.TIMEOUT))))],
                unit="short",
                thresholds=higher_is_worse(1, 100),
            ),
            stat(
                "Retries in range",
                "Calls that failed and were retried over the dashboard's time range.",
                [zero_if_absent(sum_increase(DEPENDENCY_REQUESTS, (*CALLS, eq(n.OUTCOME, n.RETRY))))],
                unit="short",
                thresholds=higher_is_worse(10, 1000),
            ),
        ],
        section("By dependency"),
        [
            timeseries(
                "Calls by dependency and outcome",
                "Calls per second per dependency and outcome, stacked.",
                [rate_by(DEPENDENCY_REQUESTS, CALLS, n.DEPENDENCY, n.OUTCOME)],
                unit="reqps",
                stacked=True,
            ),
            timeseries(
                "Error ratio by dependency",
                "Share of each dependency's calls that did not succeed.",
                [Query(error_ratio((n.DEPENDENCY,)), legend(n.DEPENDENCY))],
                unit="percentunit",
                thresholds=ERROR_RATIO,
            ),
        ],
        quantile_by(
            DEPENDENCY_REQUEST_DURATION,
            CALLS,
            n.DEPENDENCY,
            title="{p} latency by dependency",
            description="call duration per dependency",
            thresholds=LATENCY,
        ),
        [
            timeseries(
                "Calls by caller",
                "Calls per second per calling job (api, worker) and dependency: who is driving the load.",
                [rate_by(DEPENDENCY_REQUESTS, CALLS, n.JOB, n.DEPENDENCY)],
                unit="reqps",
            ),
            table(
                "Dependencies over the selected range",
                "Per dependency, over the dashboard's time range: traffic, errors and latency.",
                [
                    Column(
                        sum_rate(DEPENDENCY_REQUESTS, CALLS, (n.DEPENDENCY,), window=RANGE),
                        "Calls/s",
                        "reqps",
                    ),
                    Column(error_ratio((n.DEPENDENCY,), RANGE), "Error ratio", "percentunit", ERROR_RATIO),
                    *quantile_columns(DEPENDENCY_REQUEST_DURATION, CALLS, n.DEPENDENCY, thresholds=LATENCY),
                ],
            ),
        ],
    ],
    variables=[
        job_variable(DEPENDENCY_REQUESTS, ALL),
        label_variable(n.DEPENDENCY, "Dependency", DEPENDENCY_REQUESTS, matchers=(JOB_MATCHER,)),
    ],
)
