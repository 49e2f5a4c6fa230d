"""A missing fingerprint is computed exactly as a real Alertmanager computes it from the labels."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from observability.incidents.payload import label_fingerprint
from tests.ingest.live import Alertmanager
from tests.support import free_port

LABEL_SETS = [
    {"alertname": "PlatformApiDown"},
    {"alertname": "PlatformApiDown", "service": "api", "severity": "critical", "instance": "10.0.0.1:8000"},
    {"alertname": "Zürich", "b": "ünïcödé ✓", "a": "", "a_b": "x", "A": "upper first"},
    {"alertname": "Long", "value": "v" * 300, "job": 'quote " and \\ backslash'},
]


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Alertmanager]:
    # Nothing listens at the webhook: the alerts only need to be stored and listed.
    manager = Alertmanager(free_port(), f"http://127.0.0.1:{free_port()}/hook", "x" * 20, tmp_path)
    yield manager
    manager.stop()


def test_label_fingerprints_match_a_real_alertmanager(alertmanager: Alertmanager) -> None:
    starts = datetime.now(UTC) - timedelta(minutes=1)
    posted = [{"labels": labels, "startsAt": starts.isoformat()} for labels in LABEL_SETS]
    request = urllib.request.Request(
        f"{alertmanager.url}/api/v2/alerts",
        data=json.dumps(posted).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{alertmanager.url}/api/v2/alerts", timeout=10) as response:
        listed = json.load(response)
    reported = {json.dumps(alert["labels"], sort_keys=True): alert["fingerprint"] for alert in listed}
    assert len(reported) == len(LABEL_SETS)
    for labels in LABEL_SETS:
        # Alertmanager keeps no label with an empty value; the fingerprint of what it kept is ours.
        kept = {name: value for name, value in labels.items() if value}
        assert label_fingerprint(labels) == reported[json.dumps(kept, sort_keys=True)], labels
