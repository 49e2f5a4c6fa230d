"""Every metric the catalog names is really exposed: by the Debian exporters and by the platform."""

from __future__ import annotations

import pytest

from demo.schema import EmbeddingStorage
from observability.catalog import Metric, MetricKind, exporters, service
from observability.catalog import platform as catalog
from tests.live.conftest import LiveStack

pytestmark = pytest.mark.e2e

NO_STANDBY = {exporters.PG_STAT_REPLICATION_PG_WAL_LSN_DIFF}  # series only on a primary with standbys


@pytest.mark.parametrize("name", exporters.NODE_EXPORTER + exporters.POSTGRES_EXPORTER)
def test_catalog_exporter_metric_is_exposed(live: LiveStack, name: str) -> None:
    absent_here = set(NO_STANDBY)
    if live.stack.embedding_storage is not EmbeddingStorage.PGVECTOR:
        absent_here.add(exporters.PG_VECTOR_INDEX_SIZE_BYTES)  # queried only when pgvector exists
    exposed = bool(live.prometheus.series(f'count({{__name__="{name}"}})'))
    if name in absent_here:
        assert not exposed, f"{name} has series here after all"
    else:
        assert exposed, f"{name}: no series from the live exporter"


@pytest.mark.parametrize(
    ("job", "metric"),
    [(service("api").job, m) for m in catalog.API_METRICS]
    + [(service("worker").job, m) for m in catalog.WORKER_METRICS],
    ids=lambda value: getattr(value, "name", value),
)
def test_platform_exposes_every_catalog_metric_of_its_service(
    live: LiveStack, job: str, metric: Metric
) -> None:
    name = metric.name + ("_count" if metric.kind is MetricKind.HISTOGRAM else "")
    assert live.prometheus.series(f'{name}{{job="{job}"}}'), f"job {job} exposes no {name}"
