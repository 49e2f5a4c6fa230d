"""What `obs demo` offers on its command line: fault kinds, component names, the default server.

Import-light on purpose (no SQLAlchemy, no httpx): the `obs` parser reads it at every start-up.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# Components with a URL, in start order; `ports` in StackOptions may fix any of them.
COMPONENTS = (
    "embedding-api",
    "api",
    "worker",
    "node-exporter",
    "postgres-exporter",
    "fake-slack",
    "incident-service",
    "alertmanager",
    "prometheus",
)

# Each fault touches one knob, so several can be combined; `heal` resets them all.
FAULTS: Mapping[str, str] = {
    "dependency-errors": "half the embedding-api calls answer 500",
    "dependency-latency": "every embedding-api call takes 3 s longer",
    "dependency-outage": "the embedding-api answers 503 to everything",
    "worker-stop": "the worker process is paused (SIGSTOP): no jobs run, no scrapes answer",
    "api-errors": "half the API's /jobs requests answer 500",
}
