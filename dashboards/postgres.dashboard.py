"""PostgreSQL via postgres_exporter: health, connections, throughput, cache, locks, replication, size."""

from observability.ascode.dashboards.board import (
    build_dashboard,
    instance_variable,
    job_variable,
    label_variable,
)
from observability.ascode.dashboards.grouped_queries import increase_by, max_by, rate_by, sum_by
from observability.ascode.dashboards.panels import (
    Query,
    gauge,
    higher_is_worse,
    lower_is_worse,
    section,
    stat,
    steps,
    timeseries,
)
from observability.ascode.dashboards.queries import (
    INSTANCE_MATCHER,
    JOB_INSTANCE,
    JOB_MATCHER,
    RANGE,
    RATE_INTERVAL,
    aggregate,
    highest,
    legend,
    ratio,
    regex,
    selector,
    sum_increase,
    sum_rate,
    total,
)
from observability.catalog import exporters as x
from observability.catalog import names as n
from observability.catalog.platform import POSTGRES

IN_DATABASES = (*JOB_INSTANCE, regex(n.DATNAME, "$datname"))
CONNECTIONS_USED = higher_is_worse(0.7, 0.8)
CACHE_HIT = lower_is_worse(0.9, 0.99)
TRANSACTION_AGE = higher_is_worse(60, 300)
REPLICATION_LAG = higher_is_worse(10, 30)


def connections_used(by: tuple[str, ...]) -> str:
    """Client connections over max_connections, per instance (max_connections is per server)."""
    per_instance = ratio(
        total(selector(x.PG_STAT_ACTIVITY_COUNT, JOB_INSTANCE), (n.INSTANCE,)),
        total(selector(x.PG_SETTINGS_MAX_CONNECTIONS, JOB_INSTANCE), (n.INSTANCE,)),
    )
    return highest(per_instance, by)


def transactions(by: tuple[str, ...] = ()) -> str:
    return (
        sum_rate(x.PG_STAT_DATABASE_XACT_COMMIT, IN_DATABASES, by)
        + "\n+\n"
        + sum_rate(x.PG_STAT_DATABASE_XACT_ROLLBACK, IN_DATABASES, by)
    )


def cache_hit_ratio(by: tuple[str, ...] = ()) -> str:
    hits = sum_rate(x.PG_STAT_DATABASE_BLKS_HIT, IN_DATABASES, by)
    reads = sum_rate(x.PG_STAT_DATABASE_BLKS_READ, IN_DATABASES, by)
    return ratio(hits, f"({hits}\n+\n{reads})")


dashboard = build_dashboard(
    "postgres",
    [
        section("Health"),
        [
            stat(
                "PostgreSQL up",
                "1 when postgres_exporter reached the server on its last scrape (`pg_up`) for every "
                "selected instance; 0 when any is unreachable.",
                [aggregate("min", selector(x.PG_UP, JOB_INSTANCE))],
                unit="none",
                thresholds=steps("red", (1, "green")),
            ),
            gauge(
                "Connections used",
                "Client connections as a share of max_connections on the busiest instance. New connections "
                "fail at 100 % (minus superuser_reserved_connections).",
                [connections_used(())],
                unit="percentunit",
                thresholds=CONNECTIONS_USED,
            ),
            stat(
                "Transactions/s",
                "Commits plus rollbacks per second in the selected databases.",
                [transactions()],
                unit="ops",
            ),
            stat(
                "Cache hit ratio",
                "Share of block reads served from shared buffers. Below 99 % on an OLTP database usually "
                "means the working set no longer fits in memory.",
                [cache_hit_ratio()],
                unit="percentunit",
                decimals=2,
                thresholds=CACHE_HIT,
            ),
            stat(
                "Deadlocks in range",
                "Deadlocks detected over the dashboard's time range; each one aborted a transaction.",
                [sum_increase(x.PG_STAT_DATABASE_DEADLOCKS, IN_DATABASES)],
                unit="short",
                thresholds=steps("green", (1, "red")),
            ),
            stat(
                "Longest transaction",
                "Age of the oldest open transaction. Long transactions hold locks and stop vacuum.",
                [highest(selector(x.PG_STAT_ACTIVITY_MAX_TX_DURATION, IN_DATABASES))],
                unit="s",
                thresholds=TRANSACTION_AGE,
            ),
        ],
        section("Connections and throughput"),
        [
            timeseries(
                "Connections by state",
                "Backends per state (active, idle, idle in transaction, …) in the selected databases.",
                [sum_by(x.PG_STAT_ACTIVITY_COUNT, IN_DATABASES, n.STATE)],
                unit="short",
                stacked=True,
                width=8,
            ),
            timeseries(
                "Connections used by instance",
                "Client connections over max_connections per instance.",
                [Query(connections_used((n.INSTANCE,)), legend(n.INSTANCE))],
                unit="percentunit",
                thresholds=CONNECTIONS_USED,
                max_value=1,
                width=8,
            ),
            timeseries(
                "Transactions by database",
                "Commits and rollbacks per second per database. A rising rollback share points at "
                "application errors.",
                [
                    rate_by(x.PG_STAT_DATABASE_XACT_COMMIT, IN_DATABASES, n.DATNAME, note="commit"),
                    rate_by(x.PG_STAT_DATABASE_XACT_ROLLBACK, IN_DATABASES, n.DATNAME, note="rollback"),
                ],
                unit="ops",
                width=8,
            ),
        ],
        [
            timeseries(
                "Cache hit ratio by database",
                "Share of block reads served from shared buffers, per database.",
                [Query(cache_hit_ratio((n.DATNAME,)), legend(n.DATNAME))],
                unit="percentunit",
                thresholds=CACHE_HIT,
                max_value=1,
            ),
            timeseries(
                "Backends by database",
                "Connected backends per database (`numbackends`).",
                [sum_by(x.PG_STAT_DATABASE_NUMBACKENDS, IN_DATABASES, n.DATNAME)],
                unit="short",
            ),
        ],
        section("Locks and long transactions"),
        [
            timeseries(
                "Locks by mode",
                "Locks held or awaited per lock mode. A climb in AccessExclusiveLock usually means DDL or "
                "VACUUM FULL is blocking traffic.",
                [sum_by(x.PG_LOCKS_COUNT, IN_DATABASES, n.MODE)],
                unit="short",
                stacked=True,
                width=8,
            ),
            timeseries(
                "Deadlocks",
                "Deadlocks per database over each rate interval.",
                [increase_by(x.PG_STAT_DATABASE_DEADLOCKS, IN_DATABASES, n.DATNAME, window=RATE_INTERVAL)],
                unit="short",
                thresholds=steps("green", (1, "red")),
                width=8,
            ),
            timeseries(
                "Longest transaction by state",
                "Age of the oldest transaction per backend state; `idle in transaction` ones are abandoned "
                "sessions holding locks.",
                [max_by(x.PG_STAT_ACTIVITY_MAX_TX_DURATION, IN_DATABASES, n.STATE)],
                unit="s",
                thresholds=TRANSACTION_AGE,
                width=8,
            ),
        ],
        section("Replication and storage"),
        [
            timeseries(
                "Replication lag (standbys)",
                "Seconds since the last replayed transaction on each standby (custom query pg_replication); "
                "empty on a primary.",
                [max_by(x.PG_REPLICATION_LAG, JOB_INSTANCE, n.INSTANCE)],
                unit="s",
                thresholds=REPLICATION_LAG,
            ),
            timeseries(
                "WAL not yet replayed (primary)",
                "Bytes of WAL each standby has yet to replay, as seen from the primary (no standbys: empty).",
                [max_by(x.PG_STAT_REPLICATION_PG_WAL_LSN_DIFF, JOB_INSTANCE, n.INSTANCE, n.APPLICATION_NAME)],
                unit="bytes",
            ),
        ],
        [
            timeseries(
                "Database size",
                "On-disk size of each selected database.",
                [sum_by(x.PG_DATABASE_SIZE_BYTES, IN_DATABASES, n.DATNAME)],
                unit="bytes",
                width=10,
            ),
            timeseries(
                "pgvector index size",
                "Size of each pgvector index (custom postgres_exporter query); empty where the vector "
                "extension is not installed.",
                [
                    Query(
                        total(selector(x.PG_VECTOR_INDEX_SIZE_BYTES, JOB_INSTANCE), (n.INSTANCE, n.INDEX)),
                        legend(n.INDEX),
                    )
                ],
                unit="bytes",
                width=10,
            ),
            stat(
                "Growth in range",
                "Change in total size of the selected databases over the dashboard's time range.",
                [total(f"delta({selector(x.PG_DATABASE_SIZE_BYTES, IN_DATABASES)}[{RANGE}])")],
                unit="bytes",
                height=8,
            ),
        ],
    ],
    variables=[
        job_variable(x.PG_UP, POSTGRES.job),
        instance_variable(x.PG_UP),
        label_variable(
            n.DATNAME, "Database", x.PG_STAT_DATABASE_XACT_COMMIT, matchers=(JOB_MATCHER, INSTANCE_MATCHER)
        ),
    ],
)
