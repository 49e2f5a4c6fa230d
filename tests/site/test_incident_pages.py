"""GET /incidents/…: HTML views of incidents made by real webhook posts; viewer token; escaped text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.ingest.payloads import alert, notification
from tests.site.conftest import VIEWER, WEBHOOK_TOKEN, start_client, without_own_script

SCRIPT = "<script>alert('pwned')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"


def post(client: TestClient, payload: dict[str, Any]) -> int:
    """Deliver a notification as Alertmanager would; the incident id it landed in."""
    response = client.post(
        "/api/v1/webhooks/alertmanager", json=payload, headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    incident_id = response.json()["incident_id"]
    assert isinstance(incident_id, int)
    return incident_id


def hostile_alert() -> dict[str, Any]:
    fired = alert(
        "fp-hostile",
        annotations={
            "summary": f"summary {SCRIPT}",
            "description": f'<img src=x onerror="alert(1)"> {SCRIPT}',
            "runbook_url": "javascript:alert(document.cookie)",
            "dashboard_url": "http://grafana.example:3000/d/obs-api",
        },
    )
    fired["labels"]["pod"] = SCRIPT
    return fired


@pytest.fixture(scope="module")
def site_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, int]:
    """One app per module with two incidents made by webhook posts: a hostile one, then a plain one."""
    client = start_client(tmp_path_factory.mktemp("incidents"))
    hostile_id = post(client, notification([hostile_alert()], group_key='{}:{alertname="hostile"}'))
    post(client, notification([alert("fp-plain")], group_key='{}:{alertname="plain"}'))
    return client, hostile_id


@pytest.fixture
def site(site_app: tuple[TestClient, int]) -> Iterator[tuple[TestClient, int]]:
    """The module's app; each test starts without cookies (sign-in tests set them)."""
    site_app[0].cookies.clear()
    yield site_app
    site_app[0].cookies.clear()


@pytest.mark.parametrize("path", ["/incidents/", "/incidents/1", "/incidents/?status=triggered"])
def test_incident_pages_need_a_viewer_token(site: tuple[TestClient, int], path: str) -> None:
    client, _ = site
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get(path, headers=VIEWER).status_code == 200


def test_the_list_shows_incidents_newest_first(site: tuple[TestClient, int]) -> None:
    client, hostile_id = site
    response = client.get("/incidents/", headers=VIEWER)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert "2 incidents" in page
    newer, older = page.index(f'<a href="{hostile_id + 1}">'), page.index(f'<a href="{hostile_id}">')
    assert newer < older
    assert 'href="../runbooks/static/style.css"' in page and 'href="../runbooks/"' in page


def test_filters_narrow_the_list_and_bad_filters_are_422(site: tuple[TestClient, int]) -> None:
    client, _ = site
    assert "0 incidents resolved" in client.get("/incidents/?status=resolved", headers=VIEWER).text
    narrowed = client.get("/incidents/?service=api&severity=warning", headers=VIEWER).text
    assert "0 incidents (service api) (severity warning)" in narrowed
    assert '<a href="?status=triggered&amp;service=api&amp;severity=warning">' in narrowed
    assert client.get("/incidents/?status=exploded", headers=VIEWER).status_code == 422
    assert client.get("/incidents/?offset=-1", headers=VIEWER).status_code == 422


def test_an_incident_page_escapes_labels_and_annotations(site: tuple[TestClient, int]) -> None:
    client, hostile_id = site
    page = without_own_script(client.get(f"/incidents/{hostile_id}", headers=VIEWER).text)
    assert "<script" not in page and "<img" not in page
    assert f'<code class="label">pod="{ESCAPED_SCRIPT}"</code>' in page
    assert f"summary {ESCAPED_SCRIPT}" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_an_incident_page_links_only_web_urls(site: tuple[TestClient, int]) -> None:
    client, hostile_id = site
    page = client.get(f"/incidents/{hostile_id}", headers=VIEWER).text
    assert 'href="javascript' not in page
    # Shown as text among the annotations; the runbook link falls back to the one listing the alert.
    assert "<dd>javascript:alert(document.cookie)</dd>" in page
    assert '<a href="../runbooks/api-down">' in page
    assert '<a href="http://grafana.example:3000/d/obs-api">' in page
    assert '<a href="http://prometheus:9090/graph?g0.expr=PlatformApiDown">Prometheus</a>' in page


def test_an_incident_page_links_the_runbook_site_and_shows_the_timeline(site: tuple[TestClient, int]) -> None:
    client, hostile_id = site
    plain_id = hostile_id + 1
    page = client.get(f"/incidents/{plain_id}", headers=VIEWER).text
    # No runbook_url annotation: the service falls back to the runbook that claims the alert name.
    assert '<a href="../runbooks/api-down">runbook here: api-down</a>' in page
    assert '<h2 id="timeline">Timeline</h2>' in page
    timeline = page[page.index('<ol class="timeline" reversed>') :]
    assert '<span class="kind">' in timeline and "Nothing yet." not in timeline


def test_a_missing_incident_is_404_and_a_bad_id_422(site: tuple[TestClient, int]) -> None:
    client, _ = site
    missing = client.get("/incidents/999", headers=VIEWER)
    assert missing.status_code == 404 and "There is no incident 999." in missing.text
    for bad in ("abc", "0", "-1", "99999999999999999999999", "..%2F..%2Fetc"):
        assert client.get(f"/incidents/{bad}", headers=VIEWER).status_code in (404, 422), bad


def test_without_a_token_a_browser_gets_the_sign_in_form(site: tuple[TestClient, int]) -> None:
    client, hostile_id = site
    response = client.get(f"/incidents/{hostile_id}?from=slack")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"].startswith("text/html")
    assert '<form class="login" method="post" action="/incidents/login">' in response.text
    assert f'<input type="hidden" name="next" value="/incidents/{hostile_id}?from=slack">' in response.text
    assert 'role="alert"' not in response.text  # a first visit is not an error
    header_refused = client.get("/incidents/", headers={"Authorization": "Bearer nope"})
    assert "unknown or revoked API token" in header_refused.text


def sign_in(client: TestClient, **form: str) -> Any:
    """Post the sign-in form as a browser would: with the CSRF token the form page gave it."""
    page = client.get("/incidents/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return client.post("/incidents/login", data={"csrf": csrf, **form}, follow_redirects=False)


def test_signing_in_opens_a_session_in_a_lax_http_only_cookie(site: tuple[TestClient, int]) -> None:
    client, hostile_id = site
    token = VIEWER["Authorization"].removeprefix("Bearer ")
    response = sign_in(client, token=token, next=f"/incidents/{hostile_id}")
    assert response.status_code == 303 and response.headers["location"] == f"/incidents/{hostile_id}"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("obs_session="))
    assert token not in cookie  # the cookie holds a random session id, never the API token
    assert (
        "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Max-Age=43200" in cookie
    )
    assert client.get(f"/incidents/{hostile_id}").status_code == 200
    assert client.get("/incidents/").status_code == 200
    signed_in = client.get("/incidents/").text
    csrf = signed_in.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/incidents/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/incidents/").status_code == 401


def test_a_refused_sign_in_says_why_and_sets_no_session(site: tuple[TestClient, int]) -> None:
    client, _ = site
    refused = sign_in(client, token="not-a-token")
    assert refused.status_code == 401 and "obs_session" not in refused.headers.get("set-cookie", "")
    assert "unknown or revoked API token" in refused.text
    assert "enter an API token" in sign_in(client, token="  ").text
    client.cookies.set("obs_session", "forged", path="/")
    forged = client.get("/incidents/")
    assert forged.status_code == 401 and "your session has ended" in forged.text


def test_a_sign_in_without_the_forms_csrf_token_is_403(site: tuple[TestClient, int]) -> None:
    client, _ = site
    token = VIEWER["Authorization"].removeprefix("Bearer ")
    response = client.post("/incidents/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 403 and "obs_session" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "../x", ""],
)
def test_sign_in_only_returns_to_paths_of_this_site(site: tuple[TestClient, int], target: str) -> None:
    client, _ = site
    response = sign_in(client, token=VIEWER["Authorization"].removeprefix("Bearer "), next=target)
    assert response.status_code == 303 and response.headers["location"] == "/incidents/"


def test_an_oversized_sign_in_form_is_413_and_unknown_fields_are_ignored(
    site: tuple[TestClient, int],
) -> None:
    client, _ = site
    assert sign_in(client, token="x" * 200_000).status_code == 413
    token = VIEWER["Authorization"].removeprefix("Bearer ")
    extra = {f"f{i}": "1" for i in range(20)}
    assert sign_in(client, token=token, **extra).status_code == 303


def session_sign_in(client: TestClient, next_page: str) -> Any:
    return sign_in(client, token=VIEWER["Authorization"].removeprefix("Bearer "), next=next_page)


def test_the_report_page_has_the_header_and_a_working_sign_out(site: tuple[TestClient, int]) -> None:
    client, _ = site
    assert session_sign_in(client, "/incidents/report").headers["location"] == "/incidents/report"
    report = client.get("/incidents/report")
    assert report.status_code == 200
    assert "Signed in as <strong>site-viewer</strong> (viewer)" in report.text
    assert '<form class="signout" method="post" action="logout">' in report.text
    csrf = report.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signed_out = client.post("/incidents/logout", data={"csrf": csrf}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert client.get("/incidents/report").status_code == 401


def test_signing_in_from_a_review_returns_to_that_review(site: tuple[TestClient, int]) -> None:
    client, hostile_id = site
    review = f"/incidents/{hostile_id}/review"
    refused = client.get(review)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert '<form class="login" method="post" action="/incidents/login">' in refused.text
    assert f'<input type="hidden" name="next" value="{review}">' in refused.text
    assert 'href="../../runbooks/static/style.css"' in refused.text  # links relative to the review
    signed_in = session_sign_in(client, review)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == review
    shown = client.get(review)
    assert shown.status_code == 200 and shown.headers["x-review-version"] == "1"
