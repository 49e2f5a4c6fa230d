"""The webhook payload model, its content hash, and the facts an incident derives from alerts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from observability.incidents.alert_facts import (
    RunbookLink,
    alert_facts,
    highest_severity,
    incident_service,
    incident_title,
)
from observability.incidents.payload import AlertmanagerAlert, AlertmanagerNotification
from tests.ingest.payloads import T0, alert, notification


def model(body: dict[str, object]) -> AlertmanagerNotification:
    return AlertmanagerNotification.model_validate(body)


def test_unknown_fields_are_tolerated() -> None:
    body = notification([alert("a")], notificationReason="repeat_interval", somethingNew={"x": 1})
    parsed = model(body)
    assert parsed.notification_reason == "repeat_interval"


@pytest.mark.parametrize("missing", ["version", "groupKey", "status", "receiver", "groupLabels", "alerts"])
def test_required_fields_are_enforced(missing: str) -> None:
    body = notification([alert("a")])
    del body[missing]
    with pytest.raises(ValidationError) as caught:
        model(body)
    assert caught.value.errors()[0]["loc"] == (missing,)


def test_firing_alert_has_no_end_and_resolved_alert_has_one() -> None:
    firing = AlertmanagerAlert.model_validate(alert("a"))
    assert firing.ended_at is None
    done = AlertmanagerAlert.model_validate(alert("a", status="resolved", ends_at=T0))
    assert done.ended_at == T0


def test_hash_ignores_alert_order_external_url_and_moving_firing_end() -> None:
    one = model(notification([alert("a"), alert("b")]))
    other = model(
        notification([alert("b", ends_at=T0.replace(hour=13)), alert("a")], externalURL="http://peer-2:9093")
    )
    assert one.content_hash() == other.content_hash()


def test_hash_changes_when_an_alert_changes_status() -> None:
    firing = model(notification([alert("a")]))
    done = model(notification([alert("a", status="resolved", ends_at=T0.replace(hour=13))]))
    assert firing.content_hash() != done.content_hash()


def test_hash_of_one_occurrence_resolved_with_and_without_an_end() -> None:
    # Equal up to the end time, which one of them lacks: the canonical sort must still compare.
    both = [alert("a", status="resolved", ends_at=T0.replace(hour=13)), alert("a", status="resolved")]
    assert model(notification(both)).content_hash() == model(notification(both[::-1])).content_hash()


def test_runbook_annotation_wins_over_the_catalog_runbook() -> None:
    runbooks = {"PlatformApiDown": RunbookLink("http://obs/runbooks/api-down", ("http://grafana/d/obs-api",))}
    annotated = AlertmanagerAlert.model_validate(
        alert("a", annotations={"runbook_url": "http://wiki/x", "dashboard_url": "http://grafana/d/y"})
    )
    assert alert_facts(annotated, runbooks).runbook_url == "http://wiki/x"
    assert alert_facts(annotated, runbooks).dashboard_url == "http://grafana/d/y"
    plain = AlertmanagerAlert.model_validate(alert("a", annotations={}))
    facts = alert_facts(plain, runbooks)
    assert (facts.runbook_url, facts.dashboard_url) == (
        "http://obs/runbooks/api-down",
        "http://grafana/d/obs-api",
    )
    unknown = AlertmanagerAlert.model_validate(alert("a", alertname="NoSuchAlert", annotations={}))
    assert alert_facts(unknown, runbooks).runbook_url == ""


def test_highest_severity_follows_the_catalog_order() -> None:
    assert highest_severity(["info", "critical", "warning"]) == "critical"
    assert highest_severity(["weird", "info"]) == "info"
    assert highest_severity([]) == ""


def test_title_prefers_the_summary_then_the_alert_name() -> None:
    assert (
        incident_title(model(notification([alert("a")], commonAnnotations={"summary": "API down"})))
        == "API down"
    )
    assert incident_title(model(notification([alert("a")]))) == "PlatformApiDown on a"
    bare = notification([alert("a", annotations={})], commonLabels={"alertname": "PlatformApiDown"})
    assert incident_title(model(bare)) == "PlatformApiDown"


def test_service_comes_from_the_common_labels_else_an_alert() -> None:
    assert incident_service(model(notification([alert("a", service="worker")]))) == "worker"
    common = notification([alert("a", service="worker")], commonLabels={"service": "api"})
    assert incident_service(model(common)) == "api"


def test_hash_ignores_label_order_and_the_offset_a_time_is_written_in() -> None:
    one = notification([alert("a")])
    other = notification([alert("a")])
    other["alerts"][0]["labels"] = dict(reversed(list(other["alerts"][0]["labels"].items())))
    other["alerts"][0]["startsAt"] = "2026-01-01T14:00:00+02:00"  # T0 in another zone
    assert model(one).content_hash() == model(other).content_hash()
