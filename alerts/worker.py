"""Alerts on BaseWorker: workers alive and looping, jobs succeeding, the queue draining."""

from observability.ascode.rules import AlertRule, above, rate_ratio, series, target_down_alert
from observability.catalog import names, platform

WORKER = platform.WORKER
HEARTBEAT = series(platform.WORKER_HEARTBEAT, job=WORKER.job)
PROCESSED = series(platform.JOBS_PROCESSED, job=WORKER.job)
FAILED = series(platform.JOBS_PROCESSED, job=WORKER.job, outcome=names.FAILURE)
RETRIES = series(platform.JOB_RETRIES, job=WORKER.job)
QUEUE_DEPTH = series(platform.QUEUE_DEPTH, job=WORKER.job)
OLDEST_AGE = series(platform.QUEUE_OLDEST_AGE, job=WORKER.job)

PER_JOB_TYPE = (names.JOB, names.JOB_TYPE)
BACKLOG_THRESHOLD = 500  # waiting jobs of one type

RULES = [
    target_down_alert(
        WORKER,
        name="PlatformWorkerDown",
        summary="A worker is down or cannot be scraped.",
        subject="the workers",
        impact="jobs are not being run.",
        runbook="worker-down",
    ),
    AlertRule(
        name="PlatformWorkerHeartbeatStale",
        expr=f"time() - max by (job, instance, worker) ({HEARTBEAT}) > 60",
        for_="1m",
        severity=names.CRITICAL,
        service=WORKER,
        summary="A worker's loop has stopped turning.",
        description=(
            "Worker {{ $labels.worker }} on {{ $labels.instance }} last finished a loop iteration "
            "{{ $value | humanizeDuration }} ago (threshold 1m): it is stuck or wedged while still scraped."
        ),
        runbook="worker-down",
    ),
    AlertRule(
        name="PlatformWorkerHighJobFailureRatio",
        expr=above(rate_ratio(FAILED, PROCESSED, by=PER_JOB_TYPE, window="10m"), 0.1),
        for_="10m",
        severity=names.WARNING,
        service=WORKER,
        summary="More than 10% of jobs of one type fail.",
        description=(
            "{{ $value | humanizePercentage }} of {{ $labels.job_type }} jobs failed over the last "
            "10 minutes (threshold 10%)."
        ),
        runbook="job-failures",
    ),
    AlertRule(
        name="PlatformWorkerHighRetryRate",
        expr=above(rate_ratio(RETRIES, PROCESSED, by=PER_JOB_TYPE, window="10m"), 0.25),
        for_="15m",
        severity=names.WARNING,
        service=WORKER,
        summary="Jobs of one type are retried unusually often.",
        description=(
            '{{ $labels.job_type }} jobs were retried {{ printf "%.2f" $value }} times per finished job over '
            "the last 10 minutes (threshold 0.25): a dependency or the data is failing intermittently."
        ),
        runbook="job-failures",
    ),
    AlertRule(
        name="PlatformWorkerQueueBacklogGrowing",
        # Every worker reports the depth of the one shared queue table: max across instances, not sum.
        expr=f"""
            max by (job, job_type) ({QUEUE_DEPTH}) > {BACKLOG_THRESHOLD}
            and
            max by (job, job_type) (deriv({QUEUE_DEPTH}[15m])) > 0
        """,
        for_="15m",
        severity=names.WARNING,
        service=WORKER,
        summary="The job queue is large and still growing.",
        description=(
            "{{ $value }} {{ $labels.job_type }} jobs are waiting and the queue has kept growing for "
            f"15 minutes (threshold {BACKLOG_THRESHOLD}): workers are not keeping up with the API."
        ),
        runbook="queue-backlog",
    ),
    AlertRule(
        name="PlatformWorkerOldestJobTooOld",
        expr=f"max by (job, job_type) ({OLDEST_AGE}) > 300",
        for_="2m",
        severity=names.CRITICAL,
        service=WORKER,
        summary="A queued job has waited more than 5 minutes to start.",
        description=(
            "The oldest waiting {{ $labels.job_type }} job has been queued for "
            "{{ $value | humanizeDuration }} (threshold 5m): clients are waiting on results."
        ),
        runbook="queue-backlog",
    ),
]
