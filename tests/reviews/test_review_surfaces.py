"""Reviews through the app: escaping, versions, the API and the page, drafts made on resolve."""

from __future__ import annotations

import shutil
from pathlib import Path

from markdown_it import MarkdownIt
from sqlalchemy import select

from observability.escalation.engine import ESCALATION_JOB_ID
from observability.store.review_models import ReviewRequest, ReviewVersion
from tests.api.conftest import Service, alert, auth, notification

REPO = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
LINK_NOTE = "see [click me](javascript:alert(document.cookie)) and ![x](http://evil.example/x.png)"


def _hostile_incident(svc: Service) -> int:
    hostile = alert("PlatformApiDown")
    hostile["labels"]["pod"] = SCRIPT
    hostile["annotations"]["summary"] = f"summary {SCRIPT}"
    incident_id = svc.fire("g-hostile", alerts=[hostile])
    answer = svc.client.post(
        f"/api/v1/incidents/{incident_id}/notes", json={"text": LINK_NOTE}, headers=auth("responder")
    )
    assert answer.status_code == 201, answer.text
    return incident_id


def test_script_label_and_markdown_link_note_stay_text_in_html_and_markdown(svc: Service) -> None:
    incident_id = _hostile_incident(svc)
    html = svc.client.get(f"/api/v1/incidents/{incident_id}/review?format=html", headers=auth("viewer")).text
    assert SCRIPT not in html and "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "[click me](javascript:alert(document.cookie))" in html

    markdown = svc.client.get(
        f"/api/v1/incidents/{incident_id}/review?format=md", headers=auth("viewer")
    ).text
    # Rendered as a Markdown viewer would, with raw HTML allowed: still only text.
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    assert "<script" not in rendered.lower()
    assert 'href="javascript' not in rendered and "<img" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "[click me](javascript:alert(document.cookie))" in rendered


def test_asking_again_keeps_the_version_and_editing_the_template_makes_a_new_one(
    make_service, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    content = tmp_path / "content"
    shutil.copytree(REPO / "runbooks", content / "runbooks")
    shutil.copytree(REPO / "incident", content / "incident")
    svc: Service = make_service(content_root=content)
    # The engine's first page between two requests would change the data, so a new version.
    svc.app.state.scheduler.remove_job(ESCALATION_JOB_ID)
    incident_id = svc.fire("g-versions")
    url = f"/api/v1/incidents/{incident_id}/review"
    first = svc.client.get(url, headers=auth("viewer")).json()
    again = svc.client.get(url, headers=auth("viewer")).json()
    assert (first["version"], first["created"]) == (1, True)
    assert (again["version"], again["created"], again["content_hash"]) == (1, False, first["content_hash"])

    template = content / "incident" / "templates" / "review.md.j2"
    template.write_text(template.read_text() + "\nReviewed by the platform team.\n")
    edited = svc.client.get(url, headers=auth("viewer")).json()
    assert (edited["version"], edited["created"], edited["versions"]) == (2, True, 2)
    assert edited["template_hash"] != first["template_hash"]
    assert "Reviewed by the platform team." in edited["markdown"]
    kept = svc.client.get(url, params={"version": 1}, headers=auth("viewer")).json()
    assert kept["markdown"] == first["markdown"] and "Reviewed by" not in kept["markdown"]
    audit = svc.client.get(
        "/api/v1/audit", params={"action": "incident.review"}, headers=auth("admin")
    ).json()
    assert [entry["details"]["version"] for entry in audit["items"]] == [2, 1]


def test_review_api_answers_404_and_422_for_bad_requests_and_needs_a_token(svc: Service) -> None:
    assert svc.client.get("/api/v1/incidents/999/review", headers=auth("viewer")).status_code == 404
    incident_id = svc.fire("g-404")
    url = f"/api/v1/incidents/{incident_id}/review"
    assert svc.client.get(url).status_code == 401
    assert svc.client.get(url, params={"format": "pdf"}, headers=auth("viewer")).status_code == 422
    assert svc.client.get(url, params={"version": 7}, headers=auth("viewer")).status_code == 404
    graph = f"{url}/graphs/1/..%2F..%2Fetc%2Fpasswd"
    assert svc.client.get(graph, headers=auth("viewer")).status_code in (404, 422)


def test_review_page_needs_a_viewer_and_serves_the_review_without_script(svc: Service) -> None:
    incident_id = _hostile_incident(svc)
    page = f"/incidents/{incident_id}/review"
    refused = svc.client.get(page)
    assert refused.status_code == 401 and "sign in" in refused.text.lower()
    answer = svc.client.get(page, headers=auth("viewer"))
    assert answer.status_code == 200
    assert "<h2>Timeline (UTC)</h2>" in answer.text and "<script" not in answer.text.lower()
    policy = answer.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy and "img-src data:" in policy
    assert svc.client.get("/incidents/999/review", headers=auth("viewer")).status_code == 404
    incident_page = svc.client.get(f"/incidents/{incident_id}", headers=auth("viewer")).text
    assert f'href="{incident_id}/review"' in incident_page


def test_resolving_a_critical_incident_drafts_its_review_through_a_row_and_warnings_are_skipped(
    svc_on: Service,
) -> None:
    svc = svc_on
    svc.app.state.scheduler.remove_job("review-drafts")  # this test runs the job itself
    # Escalation is not what this test is about: its pages would add to the drafts' timelines.
    svc.app.state.scheduler.remove_job(ESCALATION_JOB_ID)
    critical = svc.fire("g-critical")
    warning = svc.fire("g-warning", alerts=[alert("PlatformApiSlow", severity="warning")])
    svc.clock.advance(minutes=3)
    for incident_id in (critical, warning):
        answer = svc.client.post(f"/api/v1/incidents/{incident_id}/resolve", headers=auth("responder"))
        assert answer.status_code == 200, answer.text
    # Alertmanager resolving a group goes through the same row.
    auto = svc.fire("g-auto")
    svc.notify(notification("g-auto", alerts=[alert(status="resolved")]))
    drafter = svc.app.state.review_drafter
    drafter.run_once()
    with svc.app.state.sessions() as session:
        requests = {r.incident_id: r for r in session.scalars(select(ReviewRequest))}
        versions = {v.incident_id: v for v in session.scalars(select(ReviewVersion))}
    errors = {i: (r.status, r.attempts, r.last_error) for i, r in requests.items()}
    assert {i: requests[i].status for i in (critical, warning, auto)} == {
        critical: "done",
        warning: "skipped",
        auto: "done",
    }, errors
    assert set(versions) == {critical, auto}
    assert versions[critical].made_by == "system:review-draft"
    assert requests[critical].version_id == versions[critical].id
    assert drafter.run_once() == 0  # nothing left to claim


def test_report_page_shows_the_period_to_a_viewer_and_refuses_without_a_token(svc: Service) -> None:
    incident_id = svc.fire("g-report", summary="API down <b>now</b>")
    svc.clock.advance(minutes=2)
    assert (
        svc.client.post(f"/api/v1/incidents/{incident_id}/ack", headers=auth("responder")).status_code == 200
    )
    assert svc.client.get("/incidents/report").status_code == 401
    page = svc.client.get("/incidents/report", params={"since": "7d"}, headers=auth("viewer"))
    assert page.status_code == 200
    assert "Acknowledged incidents without a review" in page.text
    assert f'href="{incident_id}/review"' in page.text  # acknowledged, never reviewed
    assert "<b>now</b>" not in page.text and "&lt;b&gt;now&lt;/b&gt;" in page.text
    assert (
        svc.client.get("/incidents/report", params={"since": "1y"}, headers=auth("viewer")).status_code == 422
    )
