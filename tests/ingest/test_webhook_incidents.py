"""Notifications through the real app and store become exactly the incidents they should."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from observability import incident_actions as service
from observability.store.models import Heartbeat, Incident, IncidentAlert, IngestLedgerEntry, TimelineEvent
from tests.ingest.conftest import AUTH, WEBHOOK, Clock
from tests.ingest.payloads import T0, alert, notification, resolved


def post(client: TestClient, body: dict[str, object]) -> dict[str, object]:
    response = client.post(WEBHOOK, json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def incidents(client: TestClient) -> list[Incident]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        found, _total = service.list_incidents(session, limit=100)
        return [service.get_incident(session, incident_id=i.id) for i in reversed(found)]  # type: ignore[misc]


def count(client: TestClient, model: type) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_firing_alert_opens_an_incident_with_its_links(client: TestClient) -> None:
    result = post(
        client,
        notification([alert("a", annotations={"summary": "API down", "runbook_url": "http://wiki/rb"})]),
    )
    assert result["outcome"] == "open"
    [incident] = incidents(client)
    assert (incident.status, incident.title, incident.service, incident.severity) == (
        "triggered",
        "API down",
        "api",
        "critical",
    )
    assert incident.links["runbooks"] == ["http://wiki/rb"]
    assert incident.links["generators"] == ["http://prometheus:9090/graph?g0.expr=PlatformApiDown"]
    assert [event.kind for event in incident.timeline] == ["opened", "alert_fired"]
    assert {event.actor for event in incident.timeline} == {"alertmanager"}


def test_runbook_falls_back_to_the_catalog_and_a_missing_one_is_flagged(client: TestClient) -> None:
    post(client, notification([alert("a", annotations={})]))
    post(client, notification([alert("b", alertname="NoRunbookForThis")], group_key="other"))
    known, unknown = incidents(client)
    assert known.links["runbooks"] == ["http://127.0.0.1:8080/runbooks/api-down"]
    assert known.links["dashboards"][0].endswith("/d/obs-api")
    assert not known.runbook_missing
    assert unknown.runbook_missing and unknown.links["runbooks"] == []


def test_two_alerts_in_one_group_make_one_incident_with_two_children(client: TestClient) -> None:
    post(client, notification([alert("a", severity="warning")]))
    post(client, notification([alert("a", severity="warning"), alert("b", severity="critical")]))
    [incident] = incidents(client)
    assert sorted(a.fingerprint for a in incident.alerts) == ["a", "b"]
    assert incident.severity == "critical"
    assert incident.firing_alerts == 2


def test_resolving_every_alert_resolves_the_incident(client: TestClient, clock: Clock) -> None:
    fired = [alert("a"), alert("b")]
    post(client, notification(fired))
    clock.advance(60)
    post(client, notification([resolved(fired[0], clock.now), fired[1]]))
    assert incidents(client)[0].status == "triggered"
    post(client, notification([resolved(fired[0], clock.now), resolved(fired[1], clock.now)]))
    [incident] = incidents(client)
    assert (incident.status, incident.resolved_by, incident.resolved_at) == (
        "resolved",
        "alertmanager",
        clock.now,
    )
    assert [a.status for a in incident.alerts] == ["resolved", "resolved"]
    assert incident.timeline[-1].kind == "resolved"


def test_same_payload_posted_twice_changes_nothing(client: TestClient) -> None:
    body = notification([alert("a")])
    post(client, body)
    assert post(client, body)["outcome"] == "duplicate"
    assert (count(client, Incident), count(client, IngestLedgerEntry), count(client, TimelineEvent)) == (
        1,
        1,
        2,
    )


def test_concurrent_duplicates_and_racing_first_notifications_make_one_incident(client: TestClient) -> None:
    same = notification([alert("a")])
    racing = [notification([alert("a"), alert(f"extra{i}")]) for i in range(4)]
    codes: list[int] = []
    start = threading.Barrier(8)

    def send(body: dict[str, object]) -> None:
        start.wait()
        codes.append(client.post(WEBHOOK, json=body, headers=AUTH).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in [same] * 4 + racing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 8
    [incident] = incidents(client)
    assert sorted(a.fingerprint for a in incident.alerts) == ["a", "extra0", "extra1", "extra2", "extra3"]
    assert incident.firing_alerts == 5
    assert count(client, IngestLedgerEntry) == 5


def test_repeat_notification_adds_no_timeline_event(client: TestClient, clock: Clock) -> None:
    post(client, notification([alert("a")]))
    clock.advance(4 * 3600)
    moved_end = notification([alert("a", ends_at=clock.now + timedelta(minutes=4))])
    assert post(client, moved_end)["outcome"] == "duplicate"  # same content for the ledger
    # A templated annotation ($value) changed: new content, but no alert changed state.
    later = notification([alert("a", annotations={"summary": "p99 2.4s"})], notificationReason="repeat")
    assert post(client, later)["outcome"] == "repeat"
    # (escalation may add its own events meanwhile: only the ingest's are counted)
    [incident] = incidents(client)
    assert [e.kind for e in incident.timeline if e.actor == "alertmanager"] == ["opened", "alert_fired"]


def test_firing_again_within_the_window_reopens_the_incident_as_flapping(
    client: TestClient, clock: Clock
) -> None:
    first = alert("a")
    post(client, notification([first]))
    post(client, notification([resolved(first, clock.now)]))
    clock.advance(600)
    assert post(client, notification([alert("a", starts_at=clock.now)]))["outcome"] == "reopen"
    [incident] = incidents(client)
    assert (incident.status, incident.flapping, incident.reopen_count, incident.resolved_at) == (
        "triggered",
        True,
        1,
        None,
    )
    assert len(incident.alerts) == 2
    assert "reopened" in [event.kind for event in incident.timeline]


def test_firing_again_after_the_window_opens_a_new_incident(client: TestClient, clock: Clock) -> None:
    first = alert("a")
    post(client, notification([first]))
    post(client, notification([resolved(first, clock.now)]))
    clock.advance(1801)
    assert post(client, notification([alert("a", starts_at=clock.now)]))["outcome"] == "open"
    old, new = incidents(client)
    assert (old.status, new.status, new.flapping) == ("resolved", "triggered", False)


def test_watchdog_refreshes_the_heartbeat_and_opens_no_incident(client: TestClient, clock: Clock) -> None:
    body = notification([alert("w", alertname="Watchdog", severity="none")], group_key="watchdog")
    assert post(client, body)["outcome"] == "heartbeat"
    assert count(client, Incident) == 0
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.get(Heartbeat, "Watchdog").last_seen_at == clock.now  # type: ignore[union-attr]


def test_truncated_notification_is_recorded(client: TestClient) -> None:
    post(client, notification([alert("a")], truncatedAlerts=3))
    [incident] = incidents(client)
    assert incident.truncated_alerts == 3
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(IngestLedgerEntry.truncated_alerts)) == 3


def test_store_failure_is_a_5xx_so_alertmanager_retries(client: TestClient) -> None:
    with client.app.state.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.exec_driver_sql("DROP TABLE ingest_ledger")
    response = client.post(WEBHOOK, json=notification([alert("a")]), headers=AUTH)
    assert response.status_code == 500
    assert "will retry" in response.json()["detail"]
    assert count(client, IncidentAlert) == 0  # the incident's rows rolled back with the ledger


def test_alerts_start_time_is_kept_in_utc(client: TestClient) -> None:
    post(client, notification([alert("a")]))
    [incident] = incidents(client)
    assert incident.alerts[0].starts_at == T0


def test_webhook_recovers_after_the_postgresql_server_drops_its_connections(
    postgres_client: TestClient,
) -> None:
    client = postgres_client  # SQLite has no server to lose
    post(client, notification([alert("a")]))
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert engine.dialect.name == "postgresql"
    from sqlalchemy import create_engine, text

    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": engine.url.database},
        )
    admin.dispose()
    codes = [
        client.post(WEBHOOK, json=notification([alert(f"x{i}")]), headers=AUTH).status_code for i in range(3)
    ]
    assert codes[0] in (200, 503)  # a stale connection may fail once (503): Alertmanager retries it
    assert codes[1:] == [200, 200]
