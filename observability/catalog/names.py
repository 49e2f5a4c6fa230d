"""Every label name used across metrics, rules and dashboards, defined once."""

# Target labels attached by Prometheus.
JOB = "job"
INSTANCE = "instance"

# Routing labels every alert carries.
SERVICE = "service"
TEAM = "team"
SEVERITY = "severity"
SLO = "slo"

# Instrumentation labels.
METHOD = "method"
ROUTE = "route"  # the route template (/jobs/{job_id}), never the raw path
STATUS = "status"  # HTTP status code as a string
JOB_TYPE = "job_type"
OUTCOME = "outcome"
DEPENDENCY = "dependency"
WORKER = "worker"
QUEUE = "queue"
POOL = "pool"
STATE = "state"
CODE = "code"
REASON = "reason"
CHANNEL = "channel"
STEP = "step"
KIND = "kind"  # an outbox row's kind (slack.card, page, ...)

# Labels of histogram buckets and of third-party exporters (node_exporter, postgres_exporter).
LE = "le"
DATNAME = "datname"
MODE = "mode"  # CPU mode (node_exporter) or lock mode (postgres_exporter)
DEVICE = "device"
MOUNTPOINT = "mountpoint"
FSTYPE = "fstype"
APPLICATION_NAME = "application_name"
INDEX = "index"  # pgvector index name (the demo's custom postgres_exporter query)

# Values of the severity label (monitoring-mixin convention).
CRITICAL = "critical"  # pages a human now
WARNING = "warning"  # a ticket, looked at in working hours
INFO = "info"
SEVERITIES = (CRITICAL, WARNING, INFO)
NONE = "none"  # the Watchdog's only (kube-prometheus): routed to the dead-man's switch, never paged

# Values of the outcome label.
SUCCESS = "success"
FAILURE = "failure"
RETRY = "retry"
TIMEOUT = "timeout"
