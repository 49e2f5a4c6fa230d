"""The incident REST API: roles, filters, pagination, detail, transitions, notes and their errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from observability.escalation.engine import ESCALATION_JOB_ID
from tests.api.conftest import START, Service, alert, auth, notification
from tests.ingest.payloads import resolved


def test_without_a_token_every_incident_route_is_401(svc: Service) -> None:
    for method, path in [
        ("GET", "/api/v1/incidents"),
        ("GET", "/api/v1/incidents/1"),
        ("POST", "/api/v1/incidents/1/ack"),
        ("POST", "/api/v1/incidents/1/resolve"),
        ("GET", "/api/v1/audit"),
    ]:
        response = svc.client.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
        assert "missing bearer token" in response.json()["detail"]


def test_an_unknown_token_is_401(svc: Service) -> None:
    response = svc.client.get("/api/v1/incidents", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "unknown or revoked API token"}
    basic = svc.client.get("/api/v1/incidents", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401


def test_a_viewer_reads_but_cannot_ack_resolve_or_note(svc: Service) -> None:
    incident_id = svc.fire("g1")
    assert svc.client.get("/api/v1/incidents", headers=auth("viewer")).status_code == 200
    assert svc.client.get(f"/api/v1/incidents/{incident_id}", headers=auth("viewer")).status_code == 200
    for path, body in [("ack", None), ("resolve", None), ("notes", {"text": "hi"})]:
        response = svc.client.post(
            f"/api/v1/incidents/{incident_id}/{path}", json=body, headers=auth("viewer")
        )
        assert response.status_code == 403, path
        assert response.json() == {"detail": "role viewer may not do this; needs responder"}
    detail = svc.client.get(f"/api/v1/incidents/{incident_id}", headers=auth("viewer")).json()
    assert detail["status"] == "triggered"
    kinds = [event["kind"] for event in detail["timeline"]]
    assert kinds[:2] == ["opened", "alert_fired"]
    assert not {"acknowledged", "note", "resolved"} & set(kinds)


def test_a_responder_acknowledges_then_resolves(svc: Service) -> None:
    incident_id = svc.fire("g1")
    svc.clock.advance(minutes=3)
    acked = svc.client.post(f"/api/v1/incidents/{incident_id}/ack", headers=auth("responder"))
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "responder-bot"
    assert acked.json()["acknowledged_at"] == (START + timedelta(minutes=3)).isoformat().replace(
        "+00:00", "Z"
    )
    resolved = svc.client.post(f"/api/v1/incidents/{incident_id}/resolve", headers=auth("admin"))
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolved_by"]) == ("resolved", "admin-bot")


def test_acknowledging_a_resolved_incident_is_409_and_changes_nothing(svc_on: Service) -> None:
    incident_id = svc_on.fire("g1")
    svc_on.client.post(f"/api/v1/incidents/{incident_id}/resolve", headers=auth("responder"))
    for path in ("ack", "resolve"):
        response = svc_on.client.post(f"/api/v1/incidents/{incident_id}/{path}", headers=auth("responder"))
        assert response.status_code == 409
        assert response.json()["detail"].startswith(f"incident {incident_id} is resolved: cannot")
    audit = svc_on.client.get("/api/v1/audit", headers=auth("admin")).json()
    assert [entry["action"] for entry in audit["items"]] == ["incident.resolve"]


@pytest.mark.parametrize("path", ["", "/ack", "/resolve", "/notes"])
def test_a_missing_incident_is_404(svc: Service, path: str) -> None:
    method = "GET" if not path else "POST"
    body = {"text": "note"} if path == "/notes" else None
    response = svc.client.request(method, f"/api/v1/incidents/999{path}", json=body, headers=auth("admin"))
    assert response.status_code == 404
    assert response.json() == {"detail": "incident 999 not found"}


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/api/v1/incidents/abc", "incident_id"),
        ("/api/v1/incidents/0", "incident_id"),
        ("/api/v1/incidents/99999999999999999999999", "incident_id"),
        ("/api/v1/incidents?status=open", "status"),
        ("/api/v1/incidents?limit=0", "limit"),
        ("/api/v1/incidents?limit=501", "limit"),
        ("/api/v1/incidents?offset=-1", "offset"),
        ("/api/v1/incidents?service=a%00b", "service"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(svc: Service, path: str, problem: str) -> None:
    response = svc.client.get(path, headers=auth("viewer"))
    assert response.status_code == 422
    assert problem in {str(part) for error in response.json()["detail"] for part in error["loc"]}


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "x" * 10_001}, {"text": "a\x00b"}, {"txt": "a"}])
def test_bad_notes_are_422(svc: Service, body: dict[str, str]) -> None:
    incident_id = svc.fire("g1")
    response = svc.client.post(f"/api/v1/incidents/{incident_id}/notes", json=body, headers=auth("responder"))
    assert response.status_code == 422


def test_a_note_is_stored_as_given_and_shown_in_the_timeline(svc: Service) -> None:
    incident_id = svc.fire("g1")
    text = "<script>alert('x')</script> & rollback 🙂"
    response = svc.client.post(
        f"/api/v1/incidents/{incident_id}/notes", json={"text": text}, headers=auth("responder")
    )
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["actor"], response.json()["message"]) == (
        "note",
        "responder-bot",
        text,
    )
    timeline = svc.client.get(f"/api/v1/incidents/{incident_id}", headers=auth("viewer")).json()["timeline"]
    # Only the notes: the app's escalation engine may append its first page at any moment.
    assert [event["message"] for event in timeline if event["kind"] == "note"] == [text]


def test_detail_has_alerts_links_and_timeline(svc: Service) -> None:
    incident_id = svc.fire(
        "g1",
        alerts=[
            alert("PlatformApiDown", fingerprint="f1"),
            alert("PlatformApiHighLatency", fingerprint="f2"),
        ],
    )
    detail = svc.client.get(f"/api/v1/incidents/{incident_id}", headers=auth("viewer")).json()
    assert detail["id"] == incident_id and detail["group_key"] == "g1"
    assert sorted(a["fingerprint"] for a in detail["alerts"]) == ["f1", "f2"]
    assert set(detail["links"]) == {"runbook_pages", "runbooks", "dashboards", "generators"}
    assert detail["links"]["generators"] == ["http://prometheus.example/graph"]


def test_list_filters_by_status_service_and_severity_and_pages_with_a_total(svc_on: Service) -> None:
    ids = {}
    for index in range(5):
        ids[f"api{index}"] = svc_on.fire(f"api{index}", service="api", fingerprint=f"api{index}")
    ids["worker"] = svc_on.fire("worker", service="worker", severity="warning", fingerprint="w")
    svc_on.client.post(f"/api/v1/incidents/{ids['api0']}/ack", headers=auth("responder"))
    svc_on.client.post(f"/api/v1/incidents/{ids['api1']}/resolve", headers=auth("responder"))

    def listed(query: str) -> tuple[list[int], int]:
        response = svc_on.client.get(f"/api/v1/incidents{query}", headers=auth("viewer"))
        assert response.status_code == 200, response.text
        body = response.json()
        return [item["id"] for item in body["items"]], body["total"]

    assert listed("") == (sorted(ids.values(), reverse=True), 6)
    assert listed("?service=worker") == ([ids["worker"]], 1)
    assert listed("?severity=warning") == ([ids["worker"]], 1)
    assert listed("?status=acknowledged") == ([ids["api0"]], 1)
    assert listed("?status=resolved") == ([ids["api1"]], 1)
    assert listed("?status=triggered&service=api&severity=critical")[1] == 3
    newest_first = sorted((ids[f"api{i}"] for i in range(5)), reverse=True)
    assert listed("?service=api&limit=2") == (newest_first[:2], 5)
    assert listed("?service=api&limit=2&offset=2") == (newest_first[2:4], 5)
    assert listed("?service=api&limit=2&offset=4") == (newest_first[4:], 5)
    assert listed("?service=api&offset=10") == ([], 5)
    assert listed("?service=nothing") == ([], 0)


def test_an_auto_resolved_incident_refuses_a_manual_resolve(svc: Service) -> None:
    incident_id = svc.fire("g1", fingerprint="f1")
    svc.notify(notification("g1", alerts=[alert(status="resolved", fingerprint="f1")]))
    response = svc.client.post(f"/api/v1/incidents/{incident_id}/resolve", headers=auth("responder"))
    assert response.status_code == 409


def test_detail_lists_each_episode_with_its_timestamps_tta_and_ttr(svc: Service) -> None:
    svc.app.state.scheduler.remove_job(ESCALATION_JOB_ID)  # the test pages by ticking the engine
    fired = alert("PlatformApiDown", fingerprint="f1")
    incident_id = svc.fire("g1", alerts=[fired])
    svc.app.state.escalation.tick(svc.clock.advance(minutes=1))  # the first step pages
    svc.clock.advance(minutes=3)
    assert (
        svc.client.post(f"/api/v1/incidents/{incident_id}/ack", headers=auth("responder")).status_code == 200
    )
    resolved_at = svc.clock.advance(minutes=6)
    svc.notify(notification("g1", alerts=[resolved(fired, resolved_at)]))
    reopened_at = svc.clock.advance(minutes=5)
    svc.notify(notification("g1", alerts=[alert("PlatformApiDown", fingerprint="f1", starts_at=reopened_at)]))

    detail = svc.client.get(f"/api/v1/incidents/{incident_id}", headers=auth("viewer")).json()
    first, second = detail["episodes"]
    assert (first["episode"], second["episode"]) == (1, 2)
    impact = datetime.fromisoformat(first["impact_started_at"])
    assert impact <= START
    assert first["detected_at"] == iso(START)
    assert first["first_paged_at"] == iso(START + timedelta(minutes=1))
    assert first["first_acknowledged_at"] == iso(START + timedelta(minutes=4))
    assert (first["mitigated_at"], first["resolved_at"]) == (iso(resolved_at), iso(resolved_at))
    assert first["tta_seconds"] == 180.0
    assert first["ttr_seconds"] == (resolved_at - impact).total_seconds()
    assert first["ttd_seconds"] == (START - impact).total_seconds()
    # The reopen is measured from its own start, and nothing after it has happened yet.
    assert datetime.fromisoformat(second["impact_started_at"]) > resolved_at
    assert second["detected_at"] == iso(reopened_at)
    assert (second["first_paged_at"], second["tta_seconds"], second["ttr_seconds"]) == (None, None, None)


def test_the_openapi_documents_episodes_and_their_durations(svc: Service) -> None:
    schemas = svc.client.get("/openapi.json").json()["components"]["schemas"]
    detail = schemas.get("IncidentDetail-Output") or schemas["IncidentDetail"]
    assert "episodes" in detail["required"]
    episode = schemas.get("EpisodeOut-Output") or schemas["EpisodeOut"]
    assert {"impact_started_at", "first_paged_at", "tta_seconds", "ttr_seconds"} <= set(episode["properties"])
    assert "first acknowledgement minus first page" in episode["properties"]["tta_seconds"]["description"]


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
