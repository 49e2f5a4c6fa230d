"""The dead-man's switch, driven through the real webhook with an injected clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from observability.store.models import Incident
from observability.watchdog import (
    PIPELINE_DOWN_GROUP_KEY,
    WATCHDOG_JOB_ID,
    Verdict,
    add_watchdog_job,
    decide,
    run_check,
)
from tests.api.conftest import START, Service, alert, auth, notification, samples

TIMEOUT = timedelta(seconds=600)


def watchdog(svc: Service) -> None:
    """Alertmanager's always-firing Watchdog arrives now."""
    payload = notification(
        '{}:{alertname="Watchdog"}',
        alerts=[alert("Watchdog", severity="none", service="incident", starts_at=START)],
    )
    # Each repeat differs only in time for Alertmanager; make the content differ like a real resend.
    payload["alerts"][0]["annotations"]["sent"] = svc.clock.now.isoformat()
    svc.notify(payload)


def tick(svc: Service, timeout: timedelta = TIMEOUT) -> Verdict:
    state = svc.app.state
    return run_check(
        state.sessions, svc.clock(), timeout=timeout, runbooks=state.runbooks, matrix=state.matrix
    )


def pipeline_incidents(svc: Service) -> list[Incident]:
    with svc.app.state.sessions() as session:
        return list(session.scalars(select(Incident).where(Incident.group_key == PIPELINE_DOWN_GROUP_KEY)))


@pytest.mark.parametrize(
    ("last_seen_ago", "incident_open", "expected"),
    [
        (None, False, Verdict.UNARMED),
        (timedelta(seconds=600), False, Verdict.HEALTHY),
        (timedelta(seconds=601), False, Verdict.OPEN),
        (timedelta(seconds=601), True, Verdict.STILL_DOWN),
        (timedelta(seconds=1), True, Verdict.RECOVER),
    ],
)
def test_the_switch_decides_from_heartbeat_age_and_incident_state(
    last_seen_ago: timedelta | None, incident_open: bool, expected: Verdict
) -> None:
    last_seen = None if last_seen_ago is None else START - last_seen_ago
    assert decide(last_seen=last_seen, now=START, timeout=TIMEOUT, incident_open=incident_open) is expected
    assert (
        decide(last_seen=last_seen, now=START, timeout=timedelta(0), incident_open=False) is Verdict.DISABLED
    )


def test_silence_opens_alerting_pipeline_down_and_the_watchdog_resolves_it(svc: Service) -> None:
    assert tick(svc) is Verdict.UNARMED  # never seen a Watchdog: nothing to miss yet
    watchdog(svc)
    assert pipeline_incidents(svc) == []  # the Watchdog itself opens nothing
    svc.clock.advance(seconds=600)
    assert tick(svc) is Verdict.HEALTHY
    svc.clock.advance(seconds=1)
    assert tick(svc) is Verdict.OPEN
    assert tick(svc) is Verdict.STILL_DOWN
    (incident,) = pipeline_incidents(svc)
    assert (incident.title, incident.severity, incident.service, incident.status) == (
        "Alerting pipeline down",
        "critical",
        "incident",
        "triggered",
    )
    assert not incident.runbook_missing
    detail = svc.client.get(f"/api/v1/incidents/{incident.id}", headers=auth("viewer")).json()
    assert detail["links"]["runbooks"] == ["http://127.0.0.1:8080/runbooks/watchdog"]
    assert detail["alerts"][0]["starts_at"] == "2026-03-01T09:10:00Z"  # when the heartbeat went stale

    svc.clock.advance(minutes=30)
    watchdog(svc)
    assert tick(svc) is Verdict.RECOVER
    (incident,) = pipeline_incidents(svc)
    assert (incident.status, incident.resolved_by) == ("resolved", "alertmanager")
    assert tick(svc) is Verdict.HEALTHY

    # A second outage is an incident of its own.
    svc.clock.advance(hours=1)
    assert tick(svc) is Verdict.OPEN
    assert [i.status for i in pipeline_incidents(svc)] == ["resolved", "triggered"]


def test_the_watchdog_heartbeat_is_exported_as_a_timestamp(svc: Service) -> None:
    assert ("obs_watchdog_last_seen_timestamp_seconds", ()) not in samples(svc)
    svc.clock.advance(seconds=42)
    watchdog(svc)
    got = samples(svc)[("obs_watchdog_last_seen_timestamp_seconds", ())]
    assert got == START.timestamp() + 42


def test_a_zero_timeout_disables_the_switch(svc: Service) -> None:
    watchdog(svc)
    svc.clock.advance(days=1)
    assert tick(svc, timedelta(0)) is Verdict.DISABLED
    assert pipeline_incidents(svc) == []


def test_replicas_ticking_together_open_one_incident(
    postgres_url: str, make_service: Callable[..., Service]
) -> None:
    svc = make_service(postgres_url)
    watchdog(svc)
    svc.clock.advance(seconds=601)
    barrier = threading.Barrier(4)
    verdicts: list[Verdict] = []

    def replica() -> None:
        barrier.wait()
        verdicts.append(tick(svc))

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Verdict.OPEN in verdicts and len(verdicts) == 4
    assert len(pipeline_incidents(svc)) == 1


def test_the_scheduler_ticks_by_itself(svc: Service) -> None:
    watchdog(svc)
    svc.clock.advance(minutes=11)
    scheduler = BackgroundScheduler(timezone=UTC)
    add_watchdog_job(
        scheduler,
        svc.app.state.sessions,
        timeout=TIMEOUT,
        runbooks=svc.app.state.runbooks,
        matrix=svc.app.state.matrix,
        clock=svc.clock,
        interval=0.05,
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while not pipeline_incidents(svc) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert [incident.status for incident in pipeline_incidents(svc)] == ["triggered"]


def test_the_app_schedules_the_switch_on_its_one_scheduler_unless_disabled(
    make_service: Callable[..., Service],
) -> None:
    assert make_service().app.state.scheduler.get_job(WATCHDOG_JOB_ID) is not None
    assert make_service(watchdog_timeout_seconds=0).app.state.scheduler.get_job(WATCHDOG_JOB_ID) is None
