"""Metrics exposed by third-party exporters that dashboards and rules may use.

Names as exposed by the Debian packages prometheus-node-exporter and
prometheus-postgres-exporter (plus the demo's custom pgvector query).
"""

from __future__ import annotations

# Series Prometheus itself creates for every target and alert.
PROMETHEUS_BUILTIN = ("up", "scrape_duration_seconds", "ALERTS", "ALERTS_FOR_STATE")

NODE_EXPORTER = (
    "node_cpu_seconds_total",
    "node_load1",
    "node_load5",
    "node_load15",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_vmstat_pgmajfault",
    "node_disk_io_time_seconds_total",
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
    "node_network_receive_errs_total",
    "node_network_transmit_errs_total",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "node_filesystem_readonly",
)

POSTGRES_EXPORTER = (
    "pg_up",
    "pg_settings_max_connections",
    "pg_stat_activity_count",
    "pg_stat_activity_max_tx_duration",
    "pg_stat_database_xact_commit",
    "pg_stat_database_xact_rollback",
    "pg_stat_database_blks_hit",
    "pg_stat_database_blks_read",
    "pg_stat_database_deadlocks",
    "pg_stat_database_numbackends",
    "pg_locks_count",
    "pg_database_size_bytes",
    "pg_replication_lag",
    "pg_vector_index_size_bytes",
)

KNOWN_EXPORTER_METRICS = frozenset(PROMETHEUS_BUILTIN + NODE_EXPORTER + POSTGRES_EXPORTER)
