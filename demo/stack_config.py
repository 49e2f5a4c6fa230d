"""Configuration files of the stack's third-party parts: Prometheus, Alertmanager, postgres_exporter."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from observability.catalog import exporters

# postgres_exporter 0.11 (Debian) has no built-in replication-lag metric: this is the query from
# the exporter's own example queries.yaml, giving pg_replication_lag (0 on a primary).
REPLICATION_LAG_QUERIES = {
    exporters.PG_REPLICATION_LAG.removesuffix("_lag"): {
        "query": (
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
            "ELSE GREATEST(0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))) END AS lag"
        ),
        "master": True,
        "metrics": [{"lag": {"usage": "GAUGE", "description": "Seconds a standby is behind its primary"}}],
    }
}

# The size of every pgvector index (hnsw, ivfflat), added only when the vector extension exists:
# pg_vector_index_size_bytes{index=...}.
PGVECTOR_QUERIES = {
    exporters.PG_VECTOR_INDEX_SIZE_BYTES.removesuffix("_size_bytes"): {
        "query": (
            "SELECT c.relname AS index, pg_relation_size(c.oid) AS size_bytes FROM pg_class c "
            "JOIN pg_am a ON a.oid = c.relam WHERE c.relkind = 'i' AND a.amname IN ('hnsw', 'ivfflat')"
        ),
        "master": True,
        "metrics": [
            {"index": {"usage": "LABEL", "description": "Name of the pgvector index"}},
            {"size_bytes": {"usage": "GAUGE", "description": "Size of the pgvector index on disk"}},
        ],
    }
}


def prometheus_config(
    targets: Mapping[str, str], *, alertmanager: str, rule_glob: str, interval: str = "1s"
) -> str:
    """prometheus.yml scraping `targets` ({job: host:port}) every `interval`, evaluating rules as often."""
    config = {
        "global": {"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval},
        "rule_files": [rule_glob],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]}
            for job, target in sorted(targets.items())
        ],
    }
    return yaml.safe_dump(config, sort_keys=False)


def alertmanager_config(webhook_url: str | None, token_file: Path) -> str:
    """Everything to the incident service's webhook with its bearer token (or nowhere if it is absent)."""
    receiver: dict[str, object] = {"name": "incident-service"}
    if webhook_url is not None:
        receiver["webhook_configs"] = [
            {
                "url": webhook_url,
                "send_resolved": True,
                "http_config": {"authorization": {"type": "Bearer", "credentials_file": str(token_file)}},
            }
        ]
    config = {
        "route": {
            "receiver": "incident-service",
            "group_by": ["alertname", "service"],
            "group_wait": "1s",
            "group_interval": "5s",
            "repeat_interval": "1h",
        },
        "receivers": [receiver],
    }
    return yaml.safe_dump(config, sort_keys=False)


def postgres_exporter_queries(*, pgvector: bool) -> str:
    """The --extend.query-path file: replication lag always, pgvector index sizes when it exists."""
    queries = REPLICATION_LAG_QUERIES | (PGVECTOR_QUERIES if pgvector else {})
    return yaml.safe_dump(queries, sort_keys=False)
