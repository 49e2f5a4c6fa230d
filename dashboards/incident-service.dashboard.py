"""The incident-response service itself: ingest, incidents, MTTA/MTTR, escalations, notifications, outbox."""

from grafanalib.core import TimeSeries

from observability.ascode.dashboards import service_panels as shared
from observability.ascode.dashboards.board import build_dashboard, instance_variable, job_variable
from observability.ascode.dashboards.grouped_queries import increase_by, rate_by
from observability.ascode.dashboards.histogram_panels import quantile_series
from observability.ascode.dashboards.incident_queries import open_incidents
from observability.ascode.dashboards.panels import (
    Column,
    Query,
    Steps,
    higher_is_worse,
    section,
    stat,
    steps,
    table,
    timeseries,
)
from observability.ascode.dashboards.queries import (
    JOB_INSTANCE,
    RANGE,
    age,
    eq,
    highest,
    legend,
    mean,
    quantile,
    ratio_of_rates,
    regex,
    selector,
    sum_increase,
    zero_if_absent,
)
from observability.catalog import Metric
from observability.catalog import names as n
from observability.catalog.platform import (
    ALERTS_RECEIVED,
    ESCALATIONS,
    INCIDENT,
    INCIDENTS_OPENED,
    INGEST_DURATION,
    NOTIFICATIONS,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    RUNBOOK_MISSING,
    TIME_TO_ACKNOWLEDGE,
    TIME_TO_RESOLVE,
    WATCHDOG_LAST_SEEN,
    WEBHOOK_REQUESTS,
)

HOUR = "1h"
DAY = "1d"
OUTBOX_AGE = higher_is_worse(60, 300)
NOTIFICATION_FAILURES = higher_is_worse(0.01, 0.1)
ACKNOWLEDGE_TIME = higher_is_worse(300, 900)
RESOLVE_TIME = higher_is_worse(3600, 14400)


def database_gauge(metric: Metric) -> str:
    """A gauge read from the shared database: the same on every replica, so the max, not the sum."""
    return highest(selector(metric, JOB_INSTANCE))


def response_time(metric: Metric, what: str, thresholds: Steps) -> TimeSeries:
    return timeseries(
        f"Time to {what} (rolling 1 day)",
        f"Mean, median and 90th percentile of the time from incident start to {what}, over the day before "
        "each point.",
        [
            Query(mean(metric, JOB_INSTANCE, window=DAY, function="increase"), "mean"),
            *quantile_series(metric, JOB_INSTANCE, (0.5, 0.9), window=DAY, function="increase"),
        ],
        unit="s",
        thresholds=thresholds,
    )


dashboard = build_dashboard(
    "incident-service",
    [
        section("Now"),
        [
            stat(
                "Open incidents",
                "Incidents not yet resolved, every severity.",
                [open_incidents(JOB_INSTANCE)],
                unit="short",
                thresholds=steps("green", (1, "orange")),
            ),
            stat(
                "Open critical incidents",
                "Unresolved incidents of severity critical: someone is being paged.",
                [open_incidents((*JOB_INSTANCE, eq(n.SEVERITY, n.CRITICAL)))],
                unit="short",
                thresholds=steps("green", (1, "red")),
            ),
            stat(
                "Alerts received in range",
                "Alerts carried by Alertmanager webhook notifications over the dashboard's time range.",
                [zero_if_absent(sum_increase(ALERTS_RECEIVED, JOB_INSTANCE))],
                unit="short",
            ),
            stat(
                "MTTA in range",
                "Mean time to acknowledge of incidents acknowledged in the dashboard's time range.",
                [mean(TIME_TO_ACKNOWLEDGE, JOB_INSTANCE, window=RANGE, function="increase")],
                unit="s",
                thresholds=ACKNOWLEDGE_TIME,
            ),
            stat(
                "MTTR in range",
                "Mean time to resolve of incidents resolved in the dashboard's time range.",
                [mean(TIME_TO_RESOLVE, JOB_INSTANCE, window=RANGE, function="increase")],
                unit="s",
                thresholds=RESOLVE_TIME,
            ),
            stat(
                "Outbox: oldest waiting",
                "Age of the oldest notification still waiting for delivery; Slack is down or rate-limiting.",
                [database_gauge(OUTBOX_OLDEST_AGE)],
                unit="s",
                thresholds=OUTBOX_AGE,
            ),
        ],
        section("Ingest"),
        [
            timeseries(
                "Alerts received by status",
                "Alerts per second in webhook notifications, firing and resolved.",
                [rate_by(ALERTS_RECEIVED, JOB_INSTANCE, n.STATUS)],
                unit="ops",
                width=8,
            ),
            timeseries(
                "Webhook requests by code",
                "Alertmanager webhook requests per second by HTTP status. 5xx makes Alertmanager retry; 4xx "
                "means a malformed or unauthorised request that it will not retry.",
                [rate_by(WEBHOOK_REQUESTS, JOB_INSTANCE, n.CODE)],
                unit="reqps",
                stacked=True,
                width=8,
            ),
            timeseries(
                "Ingest latency",
                "Time to validate and durably commit one webhook notification: p50, p95, p99.",
                quantile_series(INGEST_DURATION, JOB_INSTANCE),
                unit="s",
                thresholds=higher_is_worse(0.25, 1),
                width=8,
            ),
        ],
        section("Incidents"),
        [
            timeseries(
                "Open incidents by severity",
                "Unresolved incidents per severity, stacked.",
                [Query(open_incidents(JOB_INSTANCE, (n.SEVERITY,)), legend(n.SEVERITY))],
                unit="short",
                stacked=True,
                width=8,
            ),
            timeseries(
                "Open incidents by service",
                "Unresolved incidents per affected service, stacked.",
                [Query(open_incidents(JOB_INSTANCE, (n.SERVICE,)), legend(n.SERVICE))],
                unit="short",
                stacked=True,
                width=8,
            ),
            timeseries(
                "Incidents opened per hour",
                "Incidents opened or reopened in the hour before each point, per severity.",
                [increase_by(INCIDENTS_OPENED, JOB_INSTANCE, n.SEVERITY, window=HOUR)],
                unit="short",
                width=8,
            ),
        ],
        section("Response times"),
        [
            response_time(TIME_TO_ACKNOWLEDGE, "acknowledge", ACKNOWLEDGE_TIME),
            response_time(TIME_TO_RESOLVE, "resolve", RESOLVE_TIME),
        ],
        [
            table(
                "MTTA and MTTR by severity over the selected range",
                "Per severity, for incidents acknowledged or resolved in the dashboard's time range.",
                [
                    Column(
                        mean(metric, JOB_INSTANCE, (n.SEVERITY,), window=RANGE, function="increase"),
                        f"{name} mean",
                        "s",
                        limits,
                    )
                    for metric, name, limits in (
                        (TIME_TO_ACKNOWLEDGE, "MTTA", ACKNOWLEDGE_TIME),
                        (TIME_TO_RESOLVE, "MTTR", RESOLVE_TIME),
                    )
                ]
                + [
                    Column(
                        quantile(0.9, metric, JOB_INSTANCE, (n.SEVERITY,), window=RANGE, function="increase"),
                        f"{name} p90",
                        "s",
                        limits,
                    )
                    for metric, name, limits in (
                        (TIME_TO_ACKNOWLEDGE, "Acknowledge", ACKNOWLEDGE_TIME),
                        (TIME_TO_RESOLVE, "Resolve", RESOLVE_TIME),
                    )
                ],
                width=24,
                height=6,
            ),
        ],
        section("Escalations and notifications"),
        [
            timeseries(
                "Escalations per hour",
                "Escalation steps fired in the hour before each point, per severity. Many escalations mean "
                "pages are not being acknowledged.",
                [increase_by(ESCALATIONS, JOB_INSTANCE, n.SEVERITY, window=HOUR)],
                unit="short",
                width=8,
            ),
            timeseries(
                "Notification deliveries by outcome",
                "Outbox delivery attempts per second: success, retry (throttled, transient), failure.",
                [rate_by(NOTIFICATIONS, JOB_INSTANCE, n.OUTCOME)],
                unit="ops",
                stacked=True,
                width=8,
            ),
            timeseries(
                "Notification failure ratio",
                "Share of delivery attempts that failed or must be retried.",
                [
                    Query(
                        ratio_of_rates(
                            NOTIFICATIONS,
                            (*JOB_INSTANCE, regex(n.OUTCOME, f"{n.FAILURE}|{n.RETRY}")),
                            JOB_INSTANCE,
                        ),
                        "failed or retried",
                    )
                ],
                unit="percentunit",
                thresholds=NOTIFICATION_FAILURES,
                max_value=1,
                width=8,
            ),
        ],
        [
            timeseries(
                "Outbox backlog",
                "Notifications waiting for delivery. It drains within seconds when Slack is healthy.",
                [Query(database_gauge(OUTBOX_BACKLOG), "waiting")],
                unit="short",
                thresholds=higher_is_worse(10, 100),
                width=6,
            ),
            timeseries(
                "Oldest outbox message",
                "Age of the oldest notification waiting for delivery.",
                [Query(database_gauge(OUTBOX_OLDEST_AGE), "oldest")],
                unit="s",
                thresholds=OUTBOX_AGE,
                width=6,
            ),
            stat(
                "Incidents without a runbook",
                "Incidents opened in range for an alert whose runbook_url points nowhere: write the runbook.",
                [zero_if_absent(sum_increase(RUNBOOK_MISSING, JOB_INSTANCE))],
                unit="short",
                thresholds=steps("green", (1, "orange")),
                width=6,
                height=8,
            ),
            stat(
                "Watchdog last received",
                "Seconds since Alertmanager last delivered the always-firing Watchdog alert. If this grows, "
                "the alerting pipeline (Prometheus → Alertmanager → here) is broken.",
                [age(WATCHDOG_LAST_SEEN, JOB_INSTANCE)],
                unit="s",
                thresholds=higher_is_worse(600, 1800),
                width=6,
                height=8,
            ),
        ],
        section("Process"),
        [shared.targets_up(width=6), *shared.process_panels(width=6)],
    ],
    variables=[job_variable(WEBHOOK_REQUESTS, INCIDENT.job), instance_variable(WEBHOOK_REQUESTS)],
    time_from="now-7d",
)
