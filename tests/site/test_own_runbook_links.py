"""Incident pages and the API link this service's own runbook page next to the alert's runbook_url."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from observability.ascode.links import Links
from observability.ascode.rules import render_rules
from tests.ingest.payloads import alert, notification
from tests.site.conftest import REPO_ROOT, VIEWER, WEBHOOK_TOKEN, start_client

PUBLIC_URL = "https://obs.example.org"


def generated_alert(name: str) -> dict[str, Any]:
    """The labels and annotations of generated alert `name`, its links under an unreachable host."""
    links = Links(runbook_base_url="http://wiki.invalid/runbooks", grafana_url="http://grafana.invalid")
    for text in render_rules(REPO_ROOT, links=links).values():
        for group in yaml.safe_load(text)["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == name:
                    return rule
    raise AssertionError(f"no generated alert {name}")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return start_client(tmp_path_factory.mktemp("own-runbooks"), public_url=PUBLIC_URL)


def post(client: TestClient, fired: dict[str, Any], group: str) -> int:
    response = client.post(
        "/api/v1/webhooks/alertmanager",
        json=notification([fired], group_key=group),
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    incident_id: int = response.json()["incident_id"]
    return incident_id


def missing_runbook_count(client: TestClient) -> float:
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == "obs_runbook_missing_total":
                return sample.value
    return 0.0


def test_an_incident_of_a_generated_alert_links_the_services_own_runbook_page(client: TestClient) -> None:
    rule = generated_alert("PlatformApiHighErrorRatio")
    fired = alert("fp-generated", alertname=rule["alert"], annotations=rule["annotations"])
    fired["labels"].update(rule["labels"])
    incident_id = post(client, fired, '{}:{alertname="generated"}')
    page = client.get(f"/incidents/{incident_id}", headers=VIEWER).text
    slug = rule["annotations"]["runbook_url"].rsplit("/", 1)[-1]
    assert f'<a href="../runbooks/{slug}">' in page
    assert f'<a href="http://wiki.invalid/runbooks/{slug}">' in page  # the alert's own URL stays too
    assert client.get(f"/runbooks/{slug}").status_code == 200
    detail = client.get(f"/api/v1/incidents/{incident_id}", headers=VIEWER).json()
    assert detail["links"]["runbook_pages"] == [f"{PUBLIC_URL}/runbooks/{slug}"]
    assert detail["alerts"][0]["runbook_page"] == f"{PUBLIC_URL}/runbooks/{slug}"


def test_a_runbook_url_not_http_falls_back_to_the_runbook_listing_the_alert(client: TestClient) -> None:
    fired = alert("fp-js", annotations={"summary": "api down", "runbook_url": "javascript:alert(1)"})
    incident_id = post(client, fired, '{}:{alertname="javascript"}')
    detail = client.get(f"/api/v1/incidents/{incident_id}", headers=VIEWER).json()
    assert detail["runbook_missing"] is False
    assert detail["alerts"][0]["runbook_url"] == f"{PUBLIC_URL}/runbooks/api-down"
    assert detail["links"]["runbook_pages"] == [f"{PUBLIC_URL}/runbooks/api-down"]


def test_a_runbook_url_that_is_not_http_and_no_runbook_counts_as_missing(client: TestClient) -> None:
    before = missing_runbook_count(client)
    fired = alert(
        "fp-nowhere", alertname="NobodyListsThis", annotations={"summary": "x", "runbook_url": "ftp://x/rb"}
    )
    incident_id = post(client, fired, '{}:{alertname="nowhere"}')
    detail = client.get(f"/api/v1/incidents/{incident_id}", headers=VIEWER).json()
    assert detail["runbook_missing"] is True
    assert detail["alerts"][0]["runbook_url"] == "" and detail["links"]["runbook_pages"] == []
    assert missing_runbook_count(client) == before + 1
    page = client.get(f"/incidents/{incident_id}", headers=VIEWER).text
    assert "At least one alert has no runbook." in page


def test_generated_rules_name_runbooks_that_exist() -> None:
    rule = generated_alert("PlatformApiHighErrorRatio")
    slug = rule["annotations"]["runbook_url"].rsplit("/", 1)[-1]
    assert (Path(REPO_ROOT) / "runbooks" / f"{slug}.md").is_file()
