"""SQLAlchemy connection pool metrics, read from the pool at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from observability.catalog import names
from observability.catalog import platform as catalog

IN_USE = "in_use"
IDLE = "idle"


class PoolCollector(Collector):
    """Reports `db_pool_connections{state}` and `db_pool_max_connections` for one engine's pool."""

    def __init__(self, engine: Engine, pool_name: str) -> None:
        self.engine = engine
        self.pool_name = pool_name

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.engine.pool
        connections = GaugeMetricFamily(
            catalog.DB_POOL_CONNECTIONS.name,
            catalog.DB_POOL_CONNECTIONS.help,
            labels=[names.POOL, names.STATE],
        )
        maximum = GaugeMetricFamily(
            catalog.DB_POOL_MAX_CONNECTIONS.name, catalog.DB_POOL_MAX_CONNECTIONS.help, labels=[names.POOL]
        )
        if isinstance(pool, QueuePool):
            connections.add_metric([self.pool_name, IN_USE], pool.checkedout())
            connections.add_metric([self.pool_name, IDLE], pool.checkedin())
            maximum.add_metric([self.pool_name], pool.size() + max(pool._max_overflow, 0))
        else:  # SQLite's static/singleton pools: report what can be known
            status_in_use = getattr(pool, "checkedout", lambda: 0)()
            connections.add_metric([self.pool_name, IN_USE], status_in_use)
            connections.add_metric([self.pool_name, IDLE], 0)
            maximum.add_metric([self.pool_name], 1)
        yield connections
        yield maximum
