"""One HA topology per module (starting it costs seconds), on a database of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import fresh_database
from tests.support import binary

from .topology import Topology, start_topology

TOKEN = "ha-webhook-token"


@pytest.fixture(scope="module")
def topology(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    for tool in ("haproxy", "prometheus-alertmanager"):
        binary(tool)
    folder = tmp_path_factory.mktemp("ha")
    with fresh_database(postgres_server_url) as database_url:
        running = start_topology(folder, database_url, TOKEN)
        try:
            yield running
        finally:
            running.stop()
