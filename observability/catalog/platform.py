"""The platform we watch, as data: services, their metrics, dependencies, SLOs, dashboards.

Metric names follow Prometheus naming (https://prometheus.io/docs/practices/naming/) and are
spelt here only; instrumentation, dashboards, rules and the lint import them.
"""

from __future__ import annotations

from . import names as n
from .model import SLO, Dashboard, Dependency, Metric, MetricKind, Service

C, G, H = MetricKind.COUNTER, MetricKind.GAUGE, MetricKind.HISTOGRAM

# Bucket bounds are part of the contract: SLO expressions select `le` by the exact string
# prometheus-client renders ("0.3", "60.0"), so the buckets and the SLOs must agree.
HTTP_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
HTTP_LATENCY_THRESHOLD_LE = "0.3"
JOB_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
QUEUE_WAIT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
QUEUE_WAIT_THRESHOLD_LE = "60.0"
DEPENDENCY_DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
INGEST_DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)
RESPONSE_TIME_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0)

# --- HTTP API -------------------------------------------------------------------------------
HTTP_REQUESTS = Metric(
    "http_requests_total",
    C,
    "HTTP requests handled, by route template and status code.",
    (n.METHOD, n.ROUTE, n.STATUS),
)
HTTP_REQUEST_DURATION = Metric(
    "http_request_duration_seconds",
    H,
    "Time to handle an HTTP request, by route template.",
    (n.METHOD, n.ROUTE),
    HTTP_DURATION_BUCKETS,
    "seconds",
)
HTTP_REQUESTS_IN_FLIGHT = Metric(
    "http_requests_in_flight",
    G,
    "HTTP requests being handled right now.",
    (n.METHOD,),
)

# --- Outbound calls and connection pools (API and worker alike) -----------------------------
DEPENDENCY_REQUESTS = Metric(
    "dependency_requests_total",
    C,
    "Calls to external dependencies, by dependency and outcome.",
    (n.DEPENDENCY, n.OUTCOME),
)
DEPENDENCY_REQUEST_DURATION = Metric(
    "dependency_request_duration_seconds",
    H,
    "Latency of calls to external dependencies.",
    (n.DEPENDENCY,),
    DEPENDENCY_DURATION_BUCKETS,
    "seconds",
)
DB_POOL_CONNECTIONS = Metric(
    "db_pool_connections",
    G,
    "Database pool connections by state (in_use, idle).",
    (n.POOL, n.STATE),
)
DB_POOL_MAX_CONNECTIONS = Metric(
    "db_pool_max_connections",
    G,
    "Largest number of connections the pool may open.",
    (n.POOL,),
)

# --- BaseWorker -----------------------------------------------------------------------------
JOBS_PROCESSED = Metric(
    "worker_jobs_processed_total",
    C,
    "Jobs finished, by job type and outcome (success, failure).",
    (n.JOB_TYPE, n.OUTCOME),
)
JOB_DURATION = Metric(
    "worker_job_duration_seconds",
    H,
    "Time to run one job, by job type.",
    (n.JOB_TYPE,),
    JOB_DURATION_BUCKETS,
    "seconds",
)
JOB_QUEUE_WAIT = Metric(
    "worker_job_queue_wait_seconds",
    H,
    "Time from enqueue to start of a job, by job type.",
    (n.JOB_TYPE,),
    QUEUE_WAIT_BUCKETS,
    "seconds",
)
JOB_RETRIES = Metric(
    "worker_job_retries_total",
    C,
    "Job attempts that failed and were scheduled again.",
    (n.JOB_TYPE,),
)
JOBS_IN_PROGRESS = Metric(
    "worker_jobs_in_progress",
    G,
    "Jobs being run right now.",
    (n.JOB_TYPE,),
)
WORKER_HEARTBEAT = Metric(
    "worker_heartbeat_timestamp_seconds",
    G,
    "Unix time of the worker loop's last iteration.",
    (n.WORKER,),
)
QUEUE_DEPTH = Metric(
    "worker_queue_depth",
    G,
    "Jobs waiting in the queue table, by job type.",
    (n.JOB_TYPE,),
)
QUEUE_OLDEST_AGE = Metric(
    "worker_queue_oldest_job_age_seconds",
    G,
    "Age of the oldest job waiting, by job type.",
    (n.JOB_TYPE,),
)

# --- The incident-response service itself ---------------------------------------------------
WEBHOOK_REQUESTS = Metric(
    "obs_webhook_requests_total",
    C,
    "Alertmanager webhook requests, by HTTP status code.",
    (n.CODE,),
)
ALERTS_RECEIVED = Metric(
    "obs_alerts_received_total",
    C,
    "Alerts received in webhook notifications, by status.",
    (n.STATUS,),
)
INGEST_DURATION = Metric(
    "obs_ingest_duration_seconds",
    H,
    "Time to validate and commit one webhook notification.",
    (),
    INGEST_DURATION_BUCKETS,
    "seconds",
)
INCIDENTS_OPEN = Metric(
    "obs_incidents_open",
    G,
    "Incidents not yet resolved, by severity and service.",
    (n.SEVERITY, n.SERVICE),
)
INCIDENTS_OPENED = Metric(
    "obs_incidents_opened_total",
    C,
    "Incidents opened or reopened.",
    (n.SEVERITY, n.SERVICE),
)
TIME_TO_ACKNOWLEDGE = Metric(
    "obs_time_to_acknowledge_seconds",
    H,
    "From an incident episode's first page to its first acknowledgement (MTTA).",
    (n.SEVERITY,),
    RESPONSE_TIME_BUCKETS,
    "seconds",
)
TIME_TO_RESOLVE = Metric(
    "obs_time_to_resolve_seconds",
    H,
    "From an incident episode's impact start to its resolution (MTTR).",
    (n.SEVERITY,),
    RESPONSE_TIME_BUCKETS,
    "seconds",
)
RUNBOOK_MISSING = Metric(
    "obs_runbook_missing_total",
    C,
    "Incidents opened for an alert that has no runbook.",
)
ESCALATIONS = Metric(
    "obs_escalations_total",
    C,
    "Escalation steps fired.",
    (n.SEVERITY,),
)
NOTIFICATIONS = Metric(
    "obs_notifications_total",
    C,
    "Outbox deliveries attempted, by outcome (success; retry: failed, tried again later; "
    "failure: given up, a dead letter).",
    (n.OUTCOME,),
)
NOTIFICATION_DELIVERY = Metric(
    "obs_notification_delivery_seconds",
    H,
    "From the change a notification shows (the webhook received, an action taken) to the receiver "
    "accepting it, by outbox kind.",
    (n.KIND,),
    DELIVERY_BUCKETS,
    "seconds",
)
OUTBOX_DEAD_LETTERS = Metric(
    "obs_outbox_dead_letters",
    G,
    "Notifications given up on (dead letters) still in the outbox.",
)
OUTBOX_BACKLOG = Metric(
    "obs_outbox_backlog",
    G,
    "Notifications waiting in the outbox.",
)
OUTBOX_OLDEST_AGE = Metric(
    "obs_outbox_oldest_age_seconds",
    G,
    "Age of the oldest notification waiting in the outbox.",
)
WATCHDOG_LAST_SEEN = Metric(
    "obs_watchdog_last_seen_timestamp_seconds",
    G,
    "Unix time the Watchdog alert was last received.",
)

# Metrics every prometheus-client process exports on its own.
PROCESS_CPU = Metric("process_cpu_seconds_total", C, "CPU time used by the process.")
PROCESS_RESIDENT_MEMORY = Metric("process_resident_memory_bytes", G, "Resident memory of the process.")
PROCESS_OPEN_FDS = Metric("process_open_fds", G, "Open file descriptors.")
PROCESS_MAX_FDS = Metric("process_max_fds", G, "Limit on open file descriptors.")
PROCESS_START_TIME = Metric("process_start_time_seconds", G, "Unix time the process started.")
PROCESS_METRICS = (
    PROCESS_CPU,
    PROCESS_RESIDENT_MEMORY,
    PROCESS_OPEN_FDS,
    PROCESS_MAX_FDS,
    PROCESS_START_TIME,
)

API_METRICS = (
    HTTP_REQUESTS,
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS_IN_FLIGHT,
    DEPENDENCY_REQUESTS,
    DEPENDENCY_REQUEST_DURATION,
    DB_POOL_CONNECTIONS,
    DB_POOL_MAX_CONNECTIONS,
)
WORKER_METRICS = (
    JOBS_PROCESSED,
    JOB_DURATION,
    JOB_QUEUE_WAIT,
    JOB_RETRIES,
    JOBS_IN_PROGRESS,
    WORKER_HEARTBEAT,
    QUEUE_DEPTH,
    QUEUE_OLDEST_AGE,
    DEPENDENCY_REQUESTS,
    DEPENDENCY_REQUEST_DURATION,
    DB_POOL_CONNECTIONS,
    DB_POOL_MAX_CONNECTIONS,
)
INCIDENT_METRICS = (
    WEBHOOK_REQUESTS,
    ALERTS_RECEIVED,
    INGEST_DURATION,
    INCIDENTS_OPEN,
    INCIDENTS_OPENED,
    TIME_TO_ACKNOWLEDGE,
    TIME_TO_RESOLVE,
    RUNBOOK_MISSING,
    ESCALATIONS,
    NOTIFICATIONS,
    NOTIFICATION_DELIVERY,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    OUTBOX_DEAD_LETTERS,
    WATCHDOG_LAST_SEEN,
)

# --- Services -------------------------------------------------------------------------------
API = Service(
    "api",
    "api",
    "platform",
    "HTTP API",
    "Accepts jobs from clients and serves their results.",
    "api",
    "PlatformApi",
    API_METRICS,
)
WORKER = Service(
    "worker",
    "worker",
    "platform",
    "BaseWorker",
    "Claims jobs from the queue table, calls external APIs, stores the results.",
    "worker",
    "PlatformWorker",
    WORKER_METRICS,
)
POSTGRES = Service(
    "postgres",
    "postgres",
    "data",
    "PostgreSQL",
    "The platform's database (jobs, results, pgvector embeddings), scraped via postgres_exporter.",
    "postgres",
    "Postgres",
)
NODE = Service(
    "node",
    "node",
    "sre",
    "Nodes",
    "The hosts the platform runs on, scraped via node_exporter.",
    "resources",
    "Node",
)
DEPENDENCIES = Service(
    "dependencies",
    "api",
    "platform",
    "External dependencies",
    "Third-party APIs the API and workers call; measured from the caller's side.",
    "dependencies",
    "PlatformDependency",
)
INCIDENT = Service(
    "incident",
    "obs",
    "sre",
    "Incident response",
    "This service: Alertmanager ingest, incidents, escalation, Slack.",
    "incident-service",
    "IncidentService",
    INCIDENT_METRICS,
)
SERVICES = (API, WORKER, POSTGRES, NODE, DEPENDENCIES, INCIDENT)

DEPENDENCY_LIST = (
    Dependency("embedding-api", "Embedding API", "Turns job payloads into vectors stored with pgvector."),
)

# --- SLOs -----------------------------------------------------------------------------------
API_AVAILABILITY = SLO(
    name="api-availability",
    service="api",
    title="API availability",
    description="Share of API requests answered without a 5xx.",
    objective=0.999,
    errors='sum(rate(http_requests_total{job="api",status=~"5.."}[{window}]))',
    total='sum(rate(http_requests_total{job="api"}[{window}]))',
    runbook="slo-api-availability",
)
API_LATENCY = SLO(
    name="api-latency",
    service="api",
    title="API latency",
    description="Share of API requests answered in under 300 ms.",
    objective=0.99,
    errors=(
        'sum(rate(http_request_duration_seconds_count{job="api"}[{window}]))'
        ' - sum(rate(http_request_duration_seconds_bucket{job="api",le="' + HTTP_LATENCY_THRESHOLD_LE + '"}'
        "[{window}]))"
    ),
    total='sum(rate(http_request_duration_seconds_count{job="api"}[{window}]))',
    runbook="slo-api-latency",
)
JOB_SUCCESS = SLO(
    name="job-success",
    service="worker",
    title="Job success",
    description="Share of jobs that finish successfully.",
    objective=0.99,
    errors='sum(rate(worker_jobs_processed_total{job="worker",outcome="failure"}[{window}]))',
    total='sum(rate(worker_jobs_processed_total{job="worker"}[{window}]))',
    runbook="slo-job-success",
)
JOB_FRESHNESS = SLO(
    name="job-freshness",
    service="worker",
    title="Job freshness",
    description="Share of jobs started within 60 s of being enqueued.",
    objective=0.99,
    errors=(
        'sum(rate(worker_job_queue_wait_seconds_count{job="worker"}[{window}]))'
        ' - sum(rate(worker_job_queue_wait_seconds_bucket{job="worker",le="' + QUEUE_WAIT_THRESHOLD_LE + '"}'
        "[{window}]))"
    ),
    total='sum(rate(worker_job_queue_wait_seconds_count{job="worker"}[{window}]))',
    runbook="slo-job-freshness",
)
SLOS = (API_AVAILABILITY, API_LATENCY, JOB_SUCCESS, JOB_FRESHNESS)

# --- Dashboards -----------------------------------------------------------------------------
DASHBOARDS = (
    Dashboard(
        "platform-overview",
        "obs-platform-overview",
        "Platform overview",
        "SLO status, error budgets, burn rates and open incidents.",
        ("platform", "slo"),
    ),
    Dashboard(
        "api",
        "obs-api",
        "API",
        "RED per route template, in-flight requests, status codes.",
        ("platform", "api"),
    ),
    Dashboard(
        "worker",
        "obs-worker",
        "BaseWorker",
        "Throughput, failures, durations, queue depth and age, retries, heartbeats.",
        ("platform", "worker"),
    ),
    Dashboard(
        "postgres",
        "obs-postgres",
        "PostgreSQL",
        "postgres_exporter: availability, connections, throughput, locks, replication, size.",
        ("platform", "postgres"),
    ),
    Dashboard(
        "dependencies",
        "obs-dependencies",
        "External dependencies",
        "Call rate, error ratio and latency by dependency.",
        ("platform", "dependencies"),
    ),
    Dashboard(
        "resources",
        "obs-resources",
        "Resources (USE)",
        "node_exporter: CPU, memory, disk, network and filesystems.",
        ("platform", "node"),
    ),
    Dashboard(
        "incident-service",
        "obs-incident-service",
        "Incident response",
        "Alerts received, open incidents, MTTA/MTTR, escalations, notifications, outbox.",
        ("incident",),
    ),
)
