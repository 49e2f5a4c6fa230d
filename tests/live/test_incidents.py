"""Alertmanager delivers to the incident service with its bearer token; an acknowledgement is measured."""

from __future__ import annotations

import pytest

from tests.live.conftest import LiveStack, acknowledge_an_incident
from tests.live.prometheus import wait_for

pytestmark = pytest.mark.e2e


def test_alerts_become_incidents_and_acknowledging_one_records_time_to_acknowledge(live: LiveStack) -> None:
    incident_id = acknowledge_an_incident(live)
    assert incident_id > 0
    wait_for(
        lambda: bool(live.prometheus.series("obs_time_to_acknowledge_seconds_count > 0")),
        timeout=15,
    )
    delivered = live.prometheus.series('obs_webhook_requests_total{code=~"2.."} > 0')
    assert delivered, "Alertmanager's webhook deliveries are not counted as 2xx"
