"""What the platform's services import: tracing, JSON logs and Prometheus metrics, one way.

    from observability.instrument import setup, instrument_app, InstrumentedTransport, JobTracker

Every metric and label name comes from `observability.catalog`.
"""

from .db_pool import PoolCollector
from .http_client import InstrumentedAsyncTransport, InstrumentedTransport
from .http_server import UNMATCHED_ROUTE, PrometheusMiddleware, instrument_app, metrics_endpoint
from .metrics import metric
from .queue import QueueCollector, QueueSnapshot
from .setup import Telemetry, setup
from .worker import JobTracker

__all__ = [
    "UNMATCHED_ROUTE",
    "InstrumentedAsyncTransport",
    "InstrumentedTransport",
    "JobTracker",
    "PoolCollector",
    "PrometheusMiddleware",
    "QueueCollector",
    "QueueSnapshot",
    "Telemetry",
    "instrument_app",
    "metric",
    "metrics_endpoint",
    "setup",
]
