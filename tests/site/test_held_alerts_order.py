"""Alerts Alertmanager holds sort even when one of them has no (or no valid) startsAt."""

from __future__ import annotations

from observability.site.alertmanager_alerts import held_alerts


def test_an_alert_without_a_start_sorts_first_among_its_name_instead_of_raising() -> None:
    listed = [
        {
            "labels": {"alertname": "A", "i": "1"},
            "status": {"state": "active"},
            "startsAt": "2026-01-01T00:00:00Z",
        },
        {"labels": {"alertname": "A", "i": "2"}, "status": {"state": "active"}, "startsAt": "yesterday"},
    ]
    assert [alert.labels["i"] for alert in held_alerts(listed, {"A"})] == ["2", "1"]
