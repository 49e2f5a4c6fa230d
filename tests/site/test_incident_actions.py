"""Responders' forms and browser sessions over HTTP (TestClient), on SQLite and on PostgreSQL.

Roles, CSRF, Post/Redirect/Get with a flash, refused transitions as messages, session expiry,
sign-out and token revocation; each incident is made by a real webhook post.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from observability.auth.roles import Role
from observability.auth.token_store import create_token, revoke_token
from observability.config import load_settings
from observability.store.access_models import AuditEntry, BrowserSession
from observability.store.escalation_models import STEP_PENDING, EscalationStep
from observability.store.migrate import upgrade
from observability.store.models import TimelineEvent
from observability.web.app import create_app
from tests.ingest.payloads import alert, notification
from tests.site.conftest import REPO_ROOT, WEBHOOK_TOKEN

START = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Workspace:
    """The app, its clock, and one token per role stored in its database."""

    client: TestClient
    clock: Clock
    tokens: dict[str, str]

    @property
    def store(self) -> Any:
        return self.client.app.state.sessions  # type: ignore[attr-defined]

    def fire(self, fingerprint: str, **fields: Any) -> int:
        payload = notification([alert(fingerprint, **fields)], group_key=f'{{}}:{{fp="{fingerprint}"}}')
        response = self.client.post(
            "/api/v1/webhooks/alertmanager",
            json=payload,
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        )
        assert response.status_code == 200, response.text
        incident_id = response.json()["incident_id"]
        assert isinstance(incident_id, int)
        return incident_id

    def sign_in(self, role: str) -> None:
        self.client.cookies.clear()
        form_page = self.client.get("/incidents/login")
        csrf = CSRF_FIELD.search(form_page.text)
        assert csrf is not None
        response = self.client.post(
            "/incidents/login", data={"token": self.tokens[role], "csrf": csrf[1]}, follow_redirects=False
        )
        assert response.status_code == 303, response.text

    def csrf(self, incident_id: int) -> str:
        found = CSRF_FIELD.search(self.client.get(f"/incidents/{incident_id}").text)
        assert found is not None
        return found[1]

    def post(self, incident_id: int, action: str, **form: str) -> Any:
        return self.client.post(f"/incidents/{incident_id}/{action}", data=form, follow_redirects=False)

    def status_of(self, incident_id: int) -> str:
        response = self.client.get(f"/api/v1/incidents/{incident_id}", headers=self.bearer("viewer"))
        status: str = response.json()["status"]
        return status

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """The app on a fresh SQLite file, then on a fresh PostgreSQL database."""
    if request.param == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
    else:
        url = f"sqlite:///{tmp_path / 'ws.db'}"
    upgrade(url)
    settings = load_settings(
        database_url=url,
        webhook_token=WEBHOOK_TOKEN,
        content_root=REPO_ROOT,
        escalation_matrix=REPO_ROOT / "incident",
    )
    app = create_app(settings)
    clock = Clock()
    app.state.clock = clock
    tokens = {}
    with app.state.sessions() as session:
        for role in Role:
            _row, tokens[role.value] = create_token(
                session, role=role, name=f"{role.value}-person", actor="test", now=START
            )
        session.commit()
    client = TestClient(app)
    yield Workspace(client, clock, tokens)
    app.state.engine.dispose()


def test_a_viewer_sees_no_action_buttons_and_a_viewers_post_is_403(ws: Workspace) -> None:
    incident_id = ws.fire("fp-viewer")
    ws.sign_in("viewer")
    page = ws.client.get(f"/incidents/{incident_id}").text
    assert "Acknowledge</button>" not in page and 'action="1/ack"' not in page
    csrf = ws.csrf(incident_id)  # the sign-out form's token: a viewer's session has one too
    refused = ws.post(incident_id, "ack", csrf=csrf)
    assert refused.status_code == 403 and "may not act on incidents" in refused.text
    assert ws.status_of(incident_id) == "triggered"


def test_a_responder_sees_every_action(ws: Workspace) -> None:
    incident_id = ws.fire("fp-buttons")
    ws.sign_in("responder")
    page = ws.client.get(f"/incidents/{incident_id}").text
    for button in ("Acknowledge", "Resolve", "Escalate now", "Change severity", "Add note"):
        assert f"{button}</button>" in page, button
    assert page.count('name="csrf"') >= 6  # every form, sign-out included


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_a_post_without_the_sessions_csrf_token_is_403(ws: Workspace, csrf: str | None) -> None:
    incident_id = ws.fire("fp-csrf")
    ws.sign_in("responder")
    form = {} if csrf is None else {"csrf": csrf}
    response = ws.post(incident_id, "ack", **form)
    assert response.status_code == 403 and "CSRF" in response.text
    assert ws.status_of(incident_id) == "triggered"


def test_acknowledging_from_the_page_redirects_back_with_a_message_and_is_audited(ws: Workspace) -> None:
    incident_id = ws.fire("fp-ack")
    ws.sign_in("responder")
    response = ws.post(incident_id, "ack", csrf=ws.csrf(incident_id))
    assert response.status_code == 303 and response.headers["location"] == f"/incidents/{incident_id}"
    shown = ws.client.get(response.headers["location"]).text
    assert f"Acknowledged incident {incident_id}." in shown
    assert '<strong class="acked-by">responder-person</strong>' in shown
    assert f"Acknowledged incident {incident_id}." not in ws.client.get(f"/incidents/{incident_id}").text
    assert ws.status_of(incident_id) == "acknowledged"
    with ws.store() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "incident.acknowledge")).one()
    assert (entry.actor, entry.target) == ("responder-person", f"incident:{incident_id}")
    assert entry.details["surface"] == "incident page" and entry.details["role"] == "responder"


def test_a_transition_the_state_refuses_is_a_message_not_an_error(ws: Workspace) -> None:
    incident_id = ws.fire("fp-conflict")
    ws.sign_in("responder")
    csrf = ws.csrf(incident_id)
    assert (
        ws.client.post(f"/api/v1/incidents/{incident_id}/resolve", headers=ws.bearer("admin")).status_code
        == 200
    )
    response = ws.post(incident_id, "ack", csrf=csrf)  # the page was loaded before someone resolved it
    assert response.status_code == 303
    shown = ws.client.get(response.headers["location"]).text
    assert f"incident {incident_id} is resolved: cannot acknowledge it" in shown
    assert ws.status_of(incident_id) == "resolved"


def test_resolving_with_a_note_puts_the_note_on_the_timeline_first(ws: Workspace) -> None:
    incident_id = ws.fire("fp-resolve")
    ws.sign_in("responder")
    response = ws.post(incident_id, "resolve", csrf=ws.csrf(incident_id), note="rolled back deploy 42")
    assert response.status_code == 303 and ws.status_of(incident_id) == "resolved"
    with ws.store() as session:
        kinds = session.scalars(
            select(TimelineEvent.kind)
            .where(TimelineEvent.incident_id == incident_id)
            .order_by(TimelineEvent.id)
        ).all()
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert kinds[-2:] == ["note", "resolved"]
    assert actions[-2:] == ["incident.note", "incident.resolve"]


def test_a_note_with_markup_is_stored_as_written_and_shown_as_text(ws: Workspace) -> None:
    incident_id = ws.fire("fp-note")
    ws.sign_in("responder")
    note = "<script>alert('x')</script> & <b>bold</b>"
    assert ws.post(incident_id, "notes", csrf=ws.csrf(incident_id), text=note).status_code == 303
    page = ws.client.get(f"/incidents/{incident_id}").text
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    empty = ws.post(incident_id, "notes", csrf=ws.csrf(incident_id), text="   ")
    assert empty.status_code == 422 and "text: write something" in empty.text


def test_changing_the_severity_records_it_and_a_bad_severity_is_422(ws: Workspace) -> None:
    incident_id = ws.fire("fp-severity", severity="warning")
    ws.sign_in("responder")
    assert ws.post(incident_id, "severity", csrf=ws.csrf(incident_id), severity="critical").status_code == 303
    page = ws.client.get(f"/incidents/{incident_id}").text
    assert "severity warning -&gt; critical by responder-person" in page
    with ws.store() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "incident.severity")).one()
    assert entry.details["escalation"]["policy"] == "platform-critical"  # re-planned, and audited
    bad = ws.post(incident_id, "severity", csrf=ws.csrf(incident_id), severity="<b>apocalyptic</b>")
    assert bad.status_code == 422 and "expected one of critical, warning, info" in bad.text
    same = ws.post(incident_id, "severity", csrf=ws.csrf(incident_id), severity="critical")
    assert "cannot set critical on it" in ws.client.get(same.headers["location"]).text


def pending_due_times(ws: Workspace, incident_id: int) -> list[datetime]:
    with ws.store() as session:
        return list(
            session.scalars(
                select(EscalationStep.due_at)
                .where(EscalationStep.incident_id == incident_id, EscalationStep.status == STEP_PENDING)
                .order_by(EscalationStep.due_at)
            )
        )


def test_escalating_now_pages_the_next_step_without_waiting_for_its_delay(ws: Workspace) -> None:
    incident_id = ws.fire("fp-escalate")
    engine = ws.client.app.state.escalation  # type: ignore[attr-defined]
    ws.clock.now = START + timedelta(minutes=1)
    first_fired = engine.tick(ws.clock.now)
    waiting = pending_due_times(ws, incident_id)
    assert first_fired >= 1 and waiting and waiting[0] > ws.clock.now  # step 2 waits for its delay
    ws.sign_in("responder")
    assert ws.post(incident_id, "escalate", csrf=ws.csrf(incident_id)).status_code == 303
    assert pending_due_times(ws, incident_id) == waiting[1:]  # step 2 fired now; the rest keep their times
    page = ws.client.get(f"/incidents/{incident_id}").text
    assert f"Escalated incident {incident_id}" in page
    assert page.count('class="event-escalated"') == first_fired + 1
    with ws.store() as session:
        message = session.scalars(
            select(TimelineEvent.message)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "escalated")
            .order_by(TimelineEvent.id.desc())
        ).first()
    assert message is not None and message.startswith("escalated by responder-person: ")


def test_a_session_expires_after_twelve_hours(ws: Workspace) -> None:
    ws.sign_in("viewer")
    assert ws.client.get("/incidents/").status_code == 200
    ws.clock.now = START + timedelta(hours=12, seconds=1)
    expired = ws.client.get("/incidents/")
    assert expired.status_code == 401 and "your session has ended" in expired.text


def test_revoking_the_token_ends_its_sessions(ws: Workspace) -> None:
    ws.sign_in("responder")
    assert ws.client.get("/incidents/").status_code == 200
    with ws.store() as session:
        assert revoke_token(session, name="responder-person", actor="test", now=START) is not None
        session.commit()
    revoked = ws.client.get("/incidents/")
    assert revoked.status_code == 401 and "API token of this session was revoked" in revoked.text


def test_signing_out_ends_the_session_on_the_server(ws: Workspace) -> None:
    ws.sign_in("viewer")
    session_id = ws.client.cookies.get("obs_session")
    assert session_id
    page = ws.client.get("/incidents/").text
    csrf = CSRF_FIELD.search(page)
    assert csrf is not None
    assert (
        ws.client.post("/incidents/logout", data={"csrf": csrf[1]}, follow_redirects=False).status_code == 303
    )
    with ws.store() as session:
        assert session.scalars(select(BrowserSession)).all() == []
    ws.client.cookies.set("obs_session", session_id, path="/")  # a copy of the old cookie
    assert ws.client.get("/incidents/").status_code == 401


def test_a_post_without_a_session_gets_the_sign_in_form_back_to_the_incident(ws: Workspace) -> None:
    incident_id = ws.fire("fp-nosession")
    response = ws.post(incident_id, "ack", csrf="anything")
    assert response.status_code == 401
    assert f'name="next" value="/incidents/{incident_id}"' in response.text
    assert ws.status_of(incident_id) == "triggered"


def test_the_list_shows_age_acknowledger_firing_count_and_sorts_by_last_activity(ws: Workspace) -> None:
    older = ws.fire("fp-older", service="checkout")
    ws.clock.now = START + timedelta(minutes=30)
    newer = ws.fire("fp-newer", service="api")
    ws.clock.now = START + timedelta(hours=2)
    ws.sign_in("responder")
    assert ws.post(older, "ack", csrf=ws.csrf(older)).status_code == 303
    page = ws.client.get("/incidents/").text
    assert page.index(f'<a href="{older}">') < page.index(f'<a href="{newer}">')  # acted on last
    row = page[page.index(f'<a href="{older}">') : page.index(f'<a href="{newer}">')]
    assert "<td>2h</td>" in row and "<td>responder-person</td>" in row and '<td class="num">1</td>' in row
    assert '<meta http-equiv="refresh" content="30">' in page
    narrowed = ws.client.get("/incidents/?status=&service=checkout&severity=&q=").text
    assert f'<a href="{older}">' in narrowed and f'<a href="{newer}">' not in narrowed
    searched = ws.client.get("/incidents/?q=FP-NEWER").text  # the group labels, any case
    assert f'<a href="{newer}">' in searched and f'<a href="{older}">' not in searched
    assert "0 incidents" in ws.client.get("/incidents/?q=100%25_").text  # LIKE wildcards are literal


def test_the_list_count_stops_at_its_limit(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    for fingerprint in ("fp-c1", "fp-c2", "fp-c3"):
        ws.fire(fingerprint)
    ws.sign_in("viewer")
    assert "3 incidents" in ws.client.get("/incidents/").text
    monkeypatch.setattr("observability.web.incident_pages.COUNT_LIMIT", 2)
    page = ws.client.get("/incidents/").text
    assert "2+ incidents" in page and "showing 1\u20133" in page


def test_a_search_page_is_exact_whether_the_recent_window_holds_it_or_not(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = []
    for minute, fingerprint in enumerate(("fp-s1", "fp-other", "fp-s2", "fp-s3")):
        ws.clock.now = START + timedelta(minutes=minute)
        ids.append(ws.fire(fingerprint))
    ws.sign_in("viewer")
    monkeypatch.setattr("observability.web.incident_pages.PAGE_SIZE", 1)
    monkeypatch.setattr("observability.incident_list.RECENT_WINDOW", 2)
    s1, _other, s2, s3 = ids
    shown = [
        re.findall(
            r'<td><a href="(\d+)">\d+</a></td>', ws.client.get(f"/incidents/?q=fp-s&offset={offset}").text
        )
        for offset in range(4)
    ]
    # offset 0: the window (s3, s2) holds the page; 1 and 2 need the whole table; 3 is past the end.
    assert shown == [[str(s3)], [str(s2)], [str(s1)], []]
