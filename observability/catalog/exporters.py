"""Metrics exposed by third-party exporters that dashboards and rules may use.

Names as exposed by the Debian packages prometheus-node-exporter 1.5 and
prometheus-postgres-exporter 0.11 (checked against the live exporters by tests/live). Two
postgres names come from the custom queries file the demo passes with --extend.query-path
(demo/stack_config.py), because 0.11 has no built-in for them: pg_replication_lag (the
exporter's own example query) and pg_vector_index_size_bytes (only when pgvector exists).
pg_stat_replication_pg_wal_lsn_diff only has series on a primary with standbys.
"""

from __future__ import annotations

# Series Prometheus itself creates for every target and alert.
UP = "up"
PROMETHEUS_BUILTIN = (UP, "scrape_duration_seconds", "ALERTS", "ALERTS_FOR_STATE")

# Each exporter metric spelt once; rules and dashboards import these names.
NODE_CPU_SECONDS_TOTAL = "node_cpu_seconds_total"
NODE_LOAD1 = "node_load1"
NODE_LOAD5 = "node_load5"
NODE_LOAD15 = "node_load15"
NODE_MEMORY_MEMAVAILABLE_BYTES = "node_memory_MemAvailable_bytes"
NODE_MEMORY_MEMTOTAL_BYTES = "node_memory_MemTotal_bytes"
NODE_VMSTAT_PGMAJFAULT = "node_vmstat_pgmajfault"
NODE_DISK_IO_TIME_SECONDS_TOTAL = "node_disk_io_time_seconds_total"
NODE_DISK_IO_TIME_WEIGHTED_SECONDS_TOTAL = "node_disk_io_time_weighted_seconds_total"
NODE_DISK_READ_BYTES_TOTAL = "node_disk_read_bytes_total"
NODE_DISK_WRITTEN_BYTES_TOTAL = "node_disk_written_bytes_total"
NODE_NETWORK_RECEIVE_BYTES_TOTAL = "node_network_receive_bytes_total"
NODE_NETWORK_TRANSMIT_BYTES_TOTAL = "node_network_transmit_bytes_total"
NODE_NETWORK_RECEIVE_ERRS_TOTAL = "node_network_receive_errs_total"
NODE_NETWORK_TRANSMIT_ERRS_TOTAL = "node_network_transmit_errs_total"
NODE_NETWORK_RECEIVE_DROP_TOTAL = "node_network_receive_drop_total"
NODE_NETWORK_TRANSMIT_DROP_TOTAL = "node_network_transmit_drop_total"
# Pressure stall information (Linux PSI); absent on kernels without it.
NODE_PRESSURE_CPU_WAITING_SECONDS_TOTAL = "node_pressure_cpu_waiting_seconds_total"
NODE_PRESSURE_MEMORY_WAITING_SECONDS_TOTAL = "node_pressure_memory_waiting_seconds_total"
NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL = "node_pressure_io_waiting_seconds_total"
NODE_FILESYSTEM_AVAIL_BYTES = "node_filesystem_avail_bytes"
NODE_FILESYSTEM_SIZE_BYTES = "node_filesystem_size_bytes"
NODE_FILESYSTEM_READONLY = "node_filesystem_readonly"
PG_UP = "pg_up"
PG_SETTINGS_MAX_CONNECTIONS = "pg_settings_max_connections"
PG_STAT_ACTIVITY_COUNT = "pg_stat_activity_count"
PG_STAT_ACTIVITY_MAX_TX_DURATION = "pg_stat_activity_max_tx_duration"
PG_STAT_DATABASE_XACT_COMMIT = "pg_stat_database_xact_commit"
PG_STAT_DATABASE_XACT_ROLLBACK = "pg_stat_database_xact_rollback"
PG_STAT_DATABASE_BLKS_HIT = "pg_stat_database_blks_hit"
PG_STAT_DATABASE_BLKS_READ = "pg_stat_database_blks_read"
PG_STAT_DATABASE_DEADLOCKS = "pg_stat_database_deadlocks"
PG_STAT_DATABASE_NUMBACKENDS = "pg_stat_database_numbackends"
PG_LOCKS_COUNT = "pg_locks_count"
PG_DATABASE_SIZE_BYTES = "pg_database_size_bytes"
PG_REPLICATION_LAG = "pg_replication_lag"
# On a primary, bytes of WAL each standby has yet to replay (one series per standby).
PG_STAT_REPLICATION_PG_WAL_LSN_DIFF = "pg_stat_replication_pg_wal_lsn_diff"
PG_VECTOR_INDEX_SIZE_BYTES = "pg_vector_index_size_bytes"

NODE_EXPORTER = (
    NODE_CPU_SECONDS_TOTAL,
    NODE_LOAD1,
    NODE_LOAD5,
    NODE_LOAD15,
    NODE_MEMORY_MEMAVAILABLE_BYTES,
    NODE_MEMORY_MEMTOTAL_BYTES,
    NODE_VMSTAT_PGMAJFAULT,
    NODE_DISK_IO_TIME_SECONDS_TOTAL,
    NODE_DISK_IO_TIME_WEIGHTED_SECONDS_TOTAL,
    NODE_DISK_READ_BYTES_TOTAL,
    NODE_DISK_WRITTEN_BYTES_TOTAL,
    NODE_NETWORK_RECEIVE_BYTES_TOTAL,
    NODE_NETWORK_TRANSMIT_BYTES_TOTAL,
    NODE_NETWORK_RECEIVE_ERRS_TOTAL,
    NODE_NETWORK_TRANSMIT_ERRS_TOTAL,
    NODE_NETWORK_RECEIVE_DROP_TOTAL,
    NODE_NETWORK_TRANSMIT_DROP_TOTAL,
    NODE_PRESSURE_CPU_WAITING_SECONDS_TOTAL,
    NODE_PRESSURE_MEMORY_WAITING_SECONDS_TOTAL,
    NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL,
    NODE_FILESYSTEM_AVAIL_BYTES,
    NODE_FILESYSTEM_SIZE_BYTES,
    NODE_FILESYSTEM_READONLY,
)

POSTGRES_EXPORTER = (
    PG_UP,
    PG_SETTINGS_MAX_CONNECTIONS,
    PG_STAT_ACTIVITY_COUNT,
    PG_STAT_ACTIVITY_MAX_TX_DURATION,
    PG_STAT_DATABASE_XACT_COMMIT,
    PG_STAT_DATABASE_XACT_ROLLBACK,
    PG_STAT_DATABASE_BLKS_HIT,
    PG_STAT_DATABASE_BLKS_READ,
    PG_STAT_DATABASE_DEADLOCKS,
    PG_STAT_DATABASE_NUMBACKENDS,
    PG_LOCKS_COUNT,
    PG_DATABASE_SIZE_BYTES,
    PG_REPLICATION_LAG,
    PG_STAT_REPLICATION_PG_WAL_LSN_DIFF,
    PG_VECTOR_INDEX_SIZE_BYTES,
)

KNOWN_EXPORTER_METRICS = frozenset(PROMETHEUS_BUILTIN + NODE_EXPORTER + POSTGRES_EXPORTER)
