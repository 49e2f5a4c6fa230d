"""Alerts on PostgreSQL, read from postgres_exporter: up, connections, locks, replication, cache."""

from observability.ascode.rules import AlertRule, series, sum_increase, sum_rate
from observability.catalog import exporters, names, platform

POSTGRES = platform.POSTGRES
UP = series(exporters.UP, job=POSTGRES.job)
PG_UP = series(exporters.PG_UP, job=POSTGRES.job)
CONNECTIONS = series(exporters.PG_STAT_ACTIVITY_COUNT, job=POSTGRES.job)
MAX_CONNECTIONS = series(exporters.PG_SETTINGS_MAX_CONNECTIONS, job=POSTGRES.job)
DEADLOCKS = series(exporters.PG_STAT_DATABASE_DEADLOCKS, job=POSTGRES.job)
MAX_TX_DURATION = series(exporters.PG_STAT_ACTIVITY_MAX_TX_DURATION, job=POSTGRES.job)
REPLICATION_LAG = series(exporters.PG_REPLICATION_LAG, job=POSTGRES.job)
BLOCKS_HIT = series(exporters.PG_STAT_DATABASE_BLKS_HIT, job=POSTGRES.job)
BLOCKS_READ = series(exporters.PG_STAT_DATABASE_BLKS_READ, job=POSTGRES.job)

PER_DATABASE = (names.JOB, names.INSTANCE, names.DATNAME)
HIT_RATE = sum_rate(BLOCKS_HIT, by=PER_DATABASE, window="30m")
READ_RATE = sum_rate(BLOCKS_READ, by=PER_DATABASE, window="30m")

RULES = [
    AlertRule(
        name="PostgresDown",
        expr=f"{PG_UP} == 0 or {UP} == 0 or absent({UP})",
        for_="1m",
        severity=names.CRITICAL,
        service=POSTGRES,
        summary="PostgreSQL is unreachable.",
        description=(
            "PostgreSQL{{ with $labels.instance }} behind {{ . }}{{ end }} is down: postgres_exporter "
            "cannot connect to it, or Prometheus cannot scrape the exporter. The API and workers cannot "
            "read or write jobs."
        ),
        runbook="postgres-down",
    ),
    AlertRule(
        name="PostgresTooManyConnections",
        expr=f"""
            sum by (job, instance) ({CONNECTIONS})
            /
            max by (job, instance) ({MAX_CONNECTIONS})
            > 0.8
        """,
        for_="5m",
        severity=names.WARNING,
        service=POSTGRES,
        summary="PostgreSQL is using more than 80% of max_connections.",
        description=(
            "{{ $labels.instance }} is using {{ $value | humanizePercentage }} of max_connections "
            "(threshold 80%): new connections will soon be refused."
        ),
        runbook="postgres-connections",
    ),
    AlertRule(
        name="PostgresDeadlocks",
        expr=f"{sum_increase(DEADLOCKS, by=PER_DATABASE, window='5m')} > 0",
        severity=names.WARNING,
        service=POSTGRES,
        summary="PostgreSQL detected deadlocks.",
        description=(
            'Database {{ $labels.datname }} on {{ $labels.instance }} aborted {{ printf "%.0f" $value }} '
            "transactions as deadlocked over the last 5 minutes."
        ),
        runbook="postgres-locks",
    ),
    AlertRule(
        name="PostgresLongRunningTransaction",
        expr=f"max by (job, instance, datname) ({MAX_TX_DURATION}) > 300",
        for_="2m",
        severity=names.WARNING,
        service=POSTGRES,
        summary="A PostgreSQL transaction has been open for more than 5 minutes.",
        description=(
            "The longest transaction in database {{ $labels.datname }} on {{ $labels.instance }} has been "
            "open for {{ $value | humanizeDuration }} (threshold 5m): it holds locks and blocks vacuum."
        ),
        runbook="postgres-locks",
    ),
    AlertRule(
        name="PostgresReplicationLag",
        expr=f"max by (job, instance) ({REPLICATION_LAG}) > 30",
        for_="2m",
        severity=names.CRITICAL,
        service=POSTGRES,
        summary="A PostgreSQL replica is more than 30 seconds behind the primary.",
        description=(
            "Replica {{ $labels.instance }} is {{ $value | humanizeDuration }} behind the primary "
            "(threshold 30s): reads from it are stale and a failover would lose data."
        ),
        runbook="postgres-replication",
    ),
    AlertRule(
        name="PostgresLowCacheHitRatio",
        expr=f"""
            {HIT_RATE}
            /
            (
              {HIT_RATE}
              +
              {READ_RATE}
            )
            < 0.9
        """,
        for_="30m",
        severity=names.WARNING,
        service=POSTGRES,
        summary="PostgreSQL serves less than 90% of block reads from its buffer cache.",
        description=(
            "Database {{ $labels.datname }} on {{ $labels.instance }} found only "
            "{{ $value | humanizePercentage }} of blocks in shared buffers over the last 30 minutes "
            "(threshold 90%): the working set no longer fits in memory."
        ),
        runbook="postgres-cache",
    ),
]
