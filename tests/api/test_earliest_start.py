"""An alert that says it started in the first minutes of year 1: its impact start cannot go earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from observability.incidents.episodes import impact_started_at
from observability.incidents.payload import AlertmanagerNotification
from tests.api.conftest import Service, alert, auth, notification

YEAR_ONE = datetime(1, 1, 1, 0, 0, 30, tzinfo=UTC)


def test_a_start_near_year_one_minus_the_rules_for_is_stored_not_a_500(svc_on: Service) -> None:
    # PlatformApiDown's rule holds it 2 minutes pending: 00:00:30 minus 2 minutes is before year 1
    # (the webhook fuzz found this answering 500)
    stored = svc_on.notify(notification("g-year-one", alerts=[alert("PlatformApiDown", starts_at=YEAR_ONE)]))
    incident_id = stored["incident_id"]
    # and everything drawn back from that start (review window, graph marks, pages) still answers
    for path in (
        f"/api/v1/incidents/{incident_id}",
        f"/api/v1/incidents/{incident_id}/review",
        f"/incidents/{incident_id}",
    ):
        response = svc_on.client.get(path, headers=auth("viewer"))
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"


def test_impact_start_is_clamped_to_the_earliest_datetime() -> None:
    body = notification("g", alerts=[alert("A", starts_at=YEAR_ONE)])
    alerts = AlertmanagerNotification.model_validate(body).alerts
    started = impact_started_at(alerts, {"A": timedelta(minutes=2)}, datetime(2026, 12, 2, tzinfo=UTC))
    assert started == datetime.min.replace(tzinfo=UTC)
