"""The whole path: real Alertmanager -> webhook -> incident -> escalation -> ack -> resolve -> review."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from observability.auth.tokens import hash_token
from observability.escalation.durations import format_duration
from observability.incidents.durations import durations
from observability.store.engine import make_engine, session_factory
from observability.store.models import Incident, IncidentAlert
from tests.ingest.live import WEBHOOK, Alertmanager, ObsServer, wait_until
from tests.support import free_port

pytestmark = pytest.mark.e2e

WEBHOOK_TOKEN = "review-e2e-webhook"
RESPONDER = "review-e2e-responder"
SECTIONS = (
    "## Summary",
    "## Impact",
    "## Timeline (UTC)",
    "## Detection",
    "## Response",
    "## Resolution",
    "## Root causes",
    "## Trigger",
    "## Contributing factors",
    "## Lessons learned",
    "### What went well",
    "### What went wrong",
    "### Where we got lucky",
    "## Action items",
    "## Supporting information",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Alertmanager, ObsServer, str]]:
    folder = tmp_path_factory.mktemp("review-e2e")
    port, am_port = free_port(), free_port()
    database_url = f"sqlite:///{folder / 'obs.db'}"
    server = ObsServer(
        port,
        {
            "OBS_DATABASE_URL": database_url,
            "OBS_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
            "OBS_API_TOKENS": f"oncall:responder:{hash_token(RESPONDER)}",
            "OBS_ESCALATION_TICK_SECONDS": "0.5",
            "OBS_PROMETHEUS_URL": "",
        },
        folder / "obs.log",
    )
    server.start()
    alertmanager = None
    try:
        alertmanager = Alertmanager(am_port, f"http://127.0.0.1:{port}{WEBHOOK}", WEBHOOK_TOKEN, folder)
        yield alertmanager, server, database_url
    finally:
        if alertmanager is not None:
            alertmanager.stop()
        server.stop()


def _incident(database_url: str, alertname: str) -> Incident | None:
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            return session.scalars(
                select(Incident)
                .join(IncidentAlert, IncidentAlert.incident_id == Incident.id)
                .where(IncidentAlert.alertname == alertname)
                .options(
                    selectinload(Incident.alerts),
                    selectinload(Incident.timeline),
                    selectinload(Incident.episodes),
                )
            ).first()
    finally:
        engine.dispose()


def test_review_of_an_incident_driven_through_alertmanager_has_every_section_and_stored_durations(
    stack: tuple[Alertmanager, ObsServer, str],
) -> None:
    alertmanager, server, database_url = stack
    name = "E2eReviewApiDown"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    labels = {"alertname": name, "service": "api", "severity": "critical"}
    annotations = {
        "summary": "API down (review e2e)",
        "runbook_url": "http://127.0.0.1:8080/runbooks/api-down",
    }
    alertmanager.add(labels, start=start, **annotations)
    wait_until(lambda: _incident(database_url, name) is not None, 20, "the incident to open")
    incident = _incident(database_url, name)
    assert incident is not None
    wait_until(
        lambda: any(e.kind == "escalated" for e in _incident(database_url, name).timeline),  # type: ignore[union-attr]
        20,
        "the first escalation step to page",
    )
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{server.port}",
        headers={"Authorization": f"Bearer {RESPONDER}"},
        timeout=10,
    )
    assert (
        api.post(f"/api/v1/incidents/{incident.id}/notes", json={"text": "rolling back 1.4.2"}).status_code
        == 201
    )
    assert api.post(f"/api/v1/incidents/{incident.id}/ack").status_code == 200
    alertmanager.add(labels, start=start, end=datetime.now(UTC), **annotations)
    wait_until(lambda: _incident(database_url, name).status == "resolved", 20, "Alertmanager to resolve it")  # type: ignore[union-attr]

    answer = api.get(f"/api/v1/incidents/{incident.id}/review")
    assert answer.status_code == 200, answer.text
    markdown = answer.json()["markdown"]
    positions = [markdown.index(section) for section in SECTIONS]
    assert positions == sorted(positions), "sections out of the postmortem's order"

    stored = _incident(database_url, name)
    assert stored is not None
    # The timeline in order: every stored event, by time then storing order, automatic ones marked.
    rows = re.findall(r"^\| (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC \| ([\w\\]+) \| ([^|]+) \|", markdown, re.M)
    expected = sorted(stored.timeline, key=lambda e: (e.at, e.id))
    assert [kind for _, kind, _ in rows] == [e.kind.replace("_", "\\_") for e in expected]
    assert [at for at, _, _ in rows] == [e.at.strftime("%Y-%m-%d %H:%M:%S") for e in expected]
    kinds = [e.kind for e in expected]
    assert (
        kinds.index("opened")
        < kinds.index("escalated")
        < kinds.index("acknowledged")
        < kinds.index("resolved")
    )
    by = {kind.replace("\\_", "_"): actor.strip() for _, kind, actor in rows}
    assert by["escalated"] == "escalation (automatic)" and by["acknowledged"] == "oncall"

    # Durations are the stored episode timestamps, to the second.
    assert stored.episodes, "no episode rows: ingest, escalation and ack must fill incident_episodes"
    [episode] = stored.episodes
    measured = durations(episode)
    assert measured.tta is not None and measured.ttr is not None and measured.ttm is not None
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 | "))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:7] == [
        (moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—")
        for moment in (
            episode.impact_started_at,
            episode.detected_at,
            episode.first_paged_at,
            episode.first_acknowledged_at,
            episode.mitigated_at,
            episode.resolved_at,
        )
    ]
    assert cells[7:] == [format_duration(d) for d in (measured.ttd, measured.tta, measured.ttm, measured.ttr)]
    assert f"- Time to acknowledge: {format_duration(measured.tta)}[^tta]" in markdown
    assert f"- Time to resolve: {format_duration(measured.ttr)}[^ttr]" in markdown
    assert "[^tta]: TTA, time to acknowledge: first acknowledgement minus first page." in markdown

    # Resolving a critical incident drafted its review through a row, without anyone asking.
    engine = make_engine(database_url)
    try:
        from observability.store.review_models import ReviewRequest

        def drafted() -> bool:
            with session_factory(engine)() as session:
                request = session.scalars(
                    select(ReviewRequest).where(ReviewRequest.incident_id == incident.id)
                ).first()
                return request is not None and request.status == "done"

        wait_until(drafted, 20, "the review job to draft the resolved incident's review")
    finally:
        engine.dispose()
    assert Path  # the stack's files stay under tmp_path for a failing run's logs
