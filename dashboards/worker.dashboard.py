"""BaseWorker: throughput and failures by job type, durations, queue depth and age, retries, heartbeats."""

from observability.ascode.dashboards import service_panels as shared
from observability.ascode.dashboards.board import build_dashboard, instance_variable, job_variable
from observability.ascode.dashboards.grouped_queries import max_by, rate_by, sum_by
from observability.ascode.dashboards.histogram_panels import quantile_by
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
    age,
    eq,
    highest,
    legend,
    quantile,
    ratio,
    selector,
    sum_rate,
    total,
)
from observability.catalog import names as n
from observability.catalog.platform import (
    JOB_DURATION,
    JOB_QUEUE_WAIT,
    JOB_RETRIES,
    JOBS_IN_PROGRESS,
    JOBS_PROCESSED,
    QUEUE_DEPTH,
    QUEUE_OLDEST_AGE,
    QUEUE_WAIT_THRESHOLD_LE,
    WORKER,
    WORKER_HEARTBEAT,
)

FAILED = (*JOB_INSTANCE, eq(n.OUTCOME, n.FAILURE))
failure_ratio = RatioOfRates(JOBS_PROCESSED, FAILED, JOB_INSTANCE)
FAILURE_RATIO = higher_is_worse(0.01, 0.1)
QUEUE_AGE = higher_is_worse(60, 300)
HEARTBEAT_AGE = higher_is_worse(30, 60)

dashboard = build_dashboard(
    "worker",
    [
        section("Now"),
        [
            stat(
                "Jobs finished",
                "Jobs finished per second, any outcome.",
                [sum_rate(JOBS_PROCESSED, JOB_INSTANCE)],
                unit="ops",
            ),
            stat(
                "Failure ratio",
                "Share of finished jobs that failed. The job-success SLO allows 1 % over 30 days.",
                [failure_ratio()],
                unit="percentunit",
                thresholds=FAILURE_RATIO,
            ),
            stat(
                "Queue depth",
                "Jobs waiting in the queue table, all job types (every worker reports the same table, hence "
                "the max across workers of their totals).",
                [highest(total(selector(QUEUE_DEPTH, JOB_INSTANCE), (n.INSTANCE,)))],
                unit="short",
                thresholds=higher_is_worse(100, 1000),
            ),
            stat(
                "Oldest queued job",
                "Age of the oldest job still waiting. The freshness SLO wants jobs started within 60 s.",
                [highest(selector(QUEUE_OLDEST_AGE, JOB_INSTANCE))],
                unit="s",
                thresholds=QUEUE_AGE,
            ),
            stat(
                "Stalest heartbeat",
                "Seconds since the least recently seen worker loop iterated. A stuck or dead worker stops "
                "its heartbeat while its process may still answer scrapes.",
                [age(WORKER_HEARTBEAT, JOB_INSTANCE, stalest=True)],
                unit="s",
                thresholds=HEARTBEAT_AGE,
            ),
            shared.targets_up(),
        ],
        section("Throughput and failures by job type"),
        [
            timeseries(
                "Jobs finished by type and outcome",
                "Jobs finished per second per job type and outcome.",
                [rate_by(JOBS_PROCESSED, JOB_INSTANCE, n.JOB_TYPE, n.OUTCOME)],
                unit="ops",
                width=8,
            ),
            timeseries(
                "Failure ratio by job type",
                "Share of each job type's finished jobs that failed.",
                [Query(failure_ratio((n.JOB_TYPE,)), legend(n.JOB_TYPE))],
                unit="percentunit",
                thresholds=FAILURE_RATIO,
                width=8,
            ),
            timeseries(
                "Retries by job type",
                "Failed attempts scheduled again, per second. Retries hide failures from the failure ratio "
                "until they run out.",
                [rate_by(JOB_RETRIES, JOB_INSTANCE, n.JOB_TYPE)],
                unit="ops",
                width=8,
            ),
        ],
        section("Durations"),
        quantile_by(
            JOB_DURATION,
            JOB_INSTANCE,
            n.JOB_TYPE,
            title="{p} job duration by type",
            description="the time to run one job, per job type",
        ),
        [
            timeseries(
                "p95 queue wait by type",
                "95th percentile of the time from enqueue to start, per job type (the freshness SLI).",
                [Query(quantile(0.95, JOB_QUEUE_WAIT, JOB_INSTANCE, (n.JOB_TYPE,)), legend(n.JOB_TYPE))],
                unit="s",
                thresholds=QUEUE_AGE,
            ),
            timeseries(
                "Jobs started within 60 s",
                "Share of jobs that started within 60 s of being enqueued (freshness SLO objective 99 %).",
                [
                    Query(
                        ratio(
                            sum_rate(
                                JOB_QUEUE_WAIT,
                                (*JOB_INSTANCE, eq(n.LE, QUEUE_WAIT_THRESHOLD_LE)),
                                (n.JOB_TYPE,),
                                suffix="bucket",
                            ),
                            sum_rate(JOB_QUEUE_WAIT, JOB_INSTANCE, (n.JOB_TYPE,), suffix="count"),
                        ),
                        legend(n.JOB_TYPE),
                    )
                ],
                unit="percentunit",
                thresholds=lower_is_worse(0.95, 0.99),
                max_value=1,
            ),
        ],
        section("Queue"),
        [
            timeseries(
                "Queue depth by type",
                "Jobs waiting per job type (max across reporting workers). Growth while throughput is flat "
                "means the workers cannot keep up.",
                [max_by(QUEUE_DEPTH, JOB_INSTANCE, n.JOB_TYPE)],
                unit="short",
                stacked=True,
                width=8,
            ),
            timeseries(
                "Oldest queued job by type",
                "Age of the oldest waiting job per job type.",
                [max_by(QUEUE_OLDEST_AGE, JOB_INSTANCE, n.JOB_TYPE)],
                unit="s",
                thresholds=QUEUE_AGE,
                width=8,
            ),
            timeseries(
                "Jobs in progress by type",
                "Jobs being run right now; compare with the worker concurrency.",
                [sum_by(JOBS_IN_PROGRESS, JOB_INSTANCE, n.JOB_TYPE)],
                unit="short",
                stacked=True,
                width=8,
            ),
        ],
        section("Workers"),
        [
            timeseries(
                "Heartbeat age by worker",
                "Seconds since each worker loop last iterated; alerts fire above 60 s.",
                [
                    Query(
                        age(WORKER_HEARTBEAT, JOB_INSTANCE, (n.INSTANCE, n.WORKER)),
                        legend(n.INSTANCE, n.WORKER),
                    )
                ],
                unit="s",
                thresholds=HEARTBEAT_AGE,
            ),
            table(
                "Job types over the selected range",
                "Per job type over the dashboard's time range: throughput, failures, retries, p95 duration.",
                [
                    Column(
                        sum_rate(JOBS_PROCESSED, JOB_INSTANCE, (n.JOB_TYPE,), window=RANGE), "Jobs/s", "ops"
                    ),
                    Column(
                        failure_ratio((n.JOB_TYPE,), RANGE), "Failure ratio", "percentunit", FAILURE_RATIO
                    ),
                    Column(
                        sum_rate(JOB_RETRIES, JOB_INSTANCE, (n.JOB_TYPE,), window=RANGE), "Retries/s", "ops"
                    ),
                    Column(
                        quantile(0.95, JOB_DURATION, JOB_INSTANCE, (n.JOB_TYPE,), window=RANGE),
                        "p95 duration",
                        "s",
                    ),
                ],
            ),
        ],
        *shared.pool_and_process_rows(),
    ],
    variables=[job_variable(JOBS_PROCESSED, WORKER.job), instance_variable(JOBS_PROCESSED)],
)
