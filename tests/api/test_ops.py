"""/healthz, /readyz and /metrics: exact values after known actions, on a registry per app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import OutboxMessage
from observability.store.gauges import StoreGaugeCollector
from observability.store.migrate import upgrade
from observability.store.models import Incident
from observability.telemetry import Telemetry
from tests.api.conftest import WEBHOOK_TOKEN, Service, alert, auth, notification, samples


def test_healthz_answers_while_the_process_runs(svc: Service) -> None:
    response = svc.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "detail": ""})


def test_readyz_is_ok_on_a_migrated_database(svc: Service) -> None:
    assert svc.client.get("/readyz").json() == {
        "status": "ok",
        "detail": "",
        "delivery": "slack off; outgoing webhook off",
    }


def test_readyz_is_503_on_a_database_without_migrations(make_service: Callable[..., Service]) -> None:
    svc = make_service(migrate=False)
    response = svc.client.get("/readyz")
    assert response.status_code == 503
    assert "not at the newest migration" in response.json()["detail"]


def test_readyz_is_503_when_the_schema_is_behind(svc: Service) -> None:
    with svc.app.state.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert svc.client.get("/readyz").status_code == 503


def test_readyz_is_503_when_the_database_is_unreachable(make_service: Callable[..., Service]) -> None:
    svc = make_service("postgresql+psycopg://nobody@127.0.0.1:1/none", migrate=False)
    response = svc.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("database unreachable")
    # /metrics still answers: the database gauges are left out, the rest is there.
    assert ("obs_webhook_requests_total", (("code", "200"),)) not in samples(svc)


def test_metrics_count_webhook_codes_alerts_and_open_incidents_exactly(svc: Service) -> None:
    svc.notify(notification("g1", alerts=[alert("A1", fingerprint="a"), alert("A2", fingerprint="b")]))
    svc.notify(notification("g1", alerts=[alert("A1", fingerprint="a"), alert("A2", fingerprint="b")]))
    svc.notify(notification("g2", severity="warning", service="worker", name="W1"))
    svc.client.post("/api/v1/webhooks/alertmanager", json={"version": "4"})  # 401: no token
    svc.client.post(
        "/api/v1/webhooks/alertmanager",
        content=b"{not json",
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"},
    )
    got = samples(svc)
    assert got[("obs_webhook_requests_total", (("code", "200"),))] == 3
    assert got[("obs_webhook_requests_total", (("code", "401"),))] == 1
    assert got[("obs_webhook_requests_total", (("code", "400"),))] == 1
    assert got[("obs_ingest_duration_seconds_count", ())] == 3
    # Counted once stored: the replayed notification (a duplicate in the ledger) adds nothing.
    assert got[("obs_alerts_received_total", (("status", "firing"),))] == 3
    assert got[("obs_incidents_open", (("service", "api"), ("severity", "critical")))] == 1
    assert got[("obs_incidents_open", (("service", "worker"), ("severity", "warning")))] == 1
    # The replayed notification opened nothing: one opening per group.
    assert got[("obs_incidents_opened_total", (("service", "api"), ("severity", "critical")))] == 1
    assert got[("obs_incidents_opened_total", (("service", "worker"), ("severity", "warning")))] == 1
    assert got[("obs_runbook_missing_total", ())] == 2


def test_metrics_of_two_apps_are_independent(make_service: Callable[..., Service]) -> None:
    first, second = make_service(), make_service()
    first.notify(notification("g1"))
    assert samples(first)[("obs_webhook_requests_total", (("code", "200"),))] == 1
    assert ("obs_webhook_requests_total", (("code", "200"),)) not in samples(second)


def test_every_incident_metric_of_the_catalog_is_exposed(svc: Service) -> None:
    from observability.catalog.platform import INCIDENT_METRICS

    exposed = svc.client.get("/metrics").text
    for metric in INCIDENT_METRICS:
        assert f"# HELP {metric.name} " in exposed, metric.name


def test_mtta_and_mttr_are_observed_once_per_transition_with_the_injected_clock(svc: Service) -> None:
    # TTA = first ack - first page; TTR = resolved - impact start, which is the alert's startsAt
    # minus its rule's `for` (PlatformApiDown: 2m).
    critical = svc.fire("g1", fingerprint="c")
    svc.app.state.escalation.tick()  # the first page, at START (if the scheduler has not fired it)
    svc.clock.advance(minutes=3)
    assert svc.client.post(f"/api/v1/incidents/{critical}/ack", headers=auth("responder")).status_code == 200
    assert svc.client.post(f"/api/v1/incidents/{critical}/ack", headers=auth("responder")).status_code == 409
    svc.clock.advance(minutes=17)
    assert (
        svc.client.post(f"/api/v1/incidents/{critical}/resolve", headers=auth("responder")).status_code == 200
    )
    svc.fire("g2", fingerprint="w", severity="warning", starts_at=svc.clock.now)
    svc.clock.advance(minutes=10)
    svc.notify(
        notification(
            "g2",
            alerts=[
                alert(
                    status="resolved",
                    fingerprint="w",
                    severity="warning",
                    starts_at=svc.clock.now - timedelta(minutes=10),
                )
            ],
        )
    )

    got = samples(svc)
    critical_label = (("severity", "critical"),)
    assert got[("obs_time_to_acknowledge_seconds_count", critical_label)] == 1
    assert got[("obs_time_to_acknowledge_seconds_sum", critical_label)] == 180
    assert got[("obs_time_to_acknowledge_seconds_bucket", (("le", "120.0"), ("severity", "critical")))] == 0
    assert got[("obs_time_to_acknowledge_seconds_bucket", (("le", "300.0"), ("severity", "critical")))] == 1
    assert got[("obs_time_to_resolve_seconds_count", critical_label)] == 1
    assert got[("obs_time_to_resolve_seconds_sum", critical_label)] == (20 + 2) * 60
    # Resolved automatically when its only alert resolved.
    assert got[("obs_time_to_resolve_seconds_sum", (("severity", "warning"),))] == (10 + 2) * 60
    assert ("obs_time_to_acknowledge_seconds_count", (("severity", "warning"),)) not in got
    assert ("obs_incidents_open", (("service", "api"), ("severity", "critical"))) not in got


def test_outbox_gauges_read_the_pending_notifications(tmp_path: Path) -> None:
    # On a database of its own, without a running app whose escalation engine writes the outbox.
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with sessions() as session:
        incident = Incident(group_key="g", status="triggered", title="t", opened_at=now, updated_at=now)
        session.add(incident)
        session.flush()
        for key, (status, age) in enumerate([("pending", 120), ("pending", 30), ("sent", 900)]):
            session.add(
                OutboxMessage(
                    incident_id=incident.id,
                    kind="page",
                    target="rotation:test",
                    channel="#test",
                    payload={},
                    idempotency_key=f"test-{key}",
                    status=status,
                    next_attempt_at=now,
                    created_at=now - timedelta(seconds=age),
                )
            )
        session.commit()
    telemetry = Telemetry(process_metrics=False)
    telemetry.add_collector(StoreGaugeCollector(sessions, lambda: now))
    registry = telemetry.registry
    assert registry.get_sample_value("obs_outbox_backlog") == 2
    assert registry.get_sample_value("obs_outbox_oldest_age_seconds") == 120
    assert registry.get_sample_value("obs_incidents_open", {"severity": "", "service": ""}) == 1
    engine.dispose()


def test_docs_and_openapi_describe_the_api_with_its_bearer_auth(svc: Service) -> None:
    assert svc.client.get("/docs").status_code == 200
    spec = svc.client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "description": "API token (`obs token create`)",
        "scheme": "bearer",
    }
    ack = spec["paths"]["/api/v1/incidents/{incident_id}/ack"]["post"]
    assert ack["security"] == [{"HTTPBearer": []}]
    assert {"200", "401", "403", "404", "409", "422"} <= set(ack["responses"])
    detail = spec["paths"]["/api/v1/incidents/{incident_id}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/IncidentDetail"}
    assert {"alerts", "timeline", "links"} <= set(
        spec["components"]["schemas"]["IncidentDetail"]["properties"]
    )
