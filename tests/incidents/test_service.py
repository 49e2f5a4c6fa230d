"""The service functions people's actions go through (`observability.incident_actions`), on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from observability import incident_actions as service
from observability.escalation.loading import load_matrix
from observability.escalation.matrix import Matrix
from observability.incidents.errors import IncidentNotFound, InvalidTransition
from observability.store.engine import make_engine, session_factory
from observability.store.models import Incident
from tests.ingest.payloads import T0


@pytest.fixture(scope="module")
def matrix(repo_root: Path) -> Matrix:
    return load_matrix(repo_root / "incident")


@pytest.fixture
def session(store_url: str):
    engine = make_engine(store_url)
    with session_factory(engine)() as db:
        yield db
    engine.dispose()


def add_incident(
    session: Session, *, group_key: str, service_name: str = "api", severity: str = "critical"
) -> int:
    incident = Incident(
        group_key=group_key,
        status="triggered",
        title=f"incident {group_key}",
        service=service_name,
        severity=severity,
        receiver="obs",
        group_labels={},
        flapping=False,
        reopen_count=0,
        firing_alerts=1,
        truncated_alerts=0,
        runbook_missing=False,
        opened_at=T0,
        updated_at=T0,
    )
    session.add(incident)
    session.commit()
    return incident.id


def test_acknowledge_then_resolve_records_who_and_when(session: Session, matrix: Matrix) -> None:
    incident_id = add_incident(session, group_key="g")
    acked = service.acknowledge(
        session, incident_id=incident_id, actor="alice", now=T0 + timedelta(minutes=3), matrix=matrix
    )
    session.commit()
    assert (acked.status, acked.acknowledged_by, acked.acknowledged_at) == (
        "acknowledged",
        "alice",
        T0 + timedelta(minutes=3),
    )
    service.resolve(session, incident_id=incident_id, actor="bob", now=T0 + timedelta(minutes=9))
    session.commit()
    loaded = service.get_incident(session, incident_id=incident_id)
    assert loaded is not None
    assert (loaded.status, loaded.resolved_by) == ("resolved", "bob")
    assert [(e.kind, e.actor) for e in loaded.timeline] == [("acknowledged", "alice"), ("resolved", "bob")]


def test_acknowledging_a_resolved_incident_is_an_invalid_transition(session: Session, matrix: Matrix) -> None:
    incident_id = add_incident(session, group_key="g")
    service.resolve(session, incident_id=incident_id, actor="bob", now=T0)
    session.commit()
    with pytest.raises(InvalidTransition):
        service.acknowledge(session, incident_id=incident_id, actor="alice", now=T0, matrix=matrix)
    session.rollback()
    with pytest.raises(InvalidTransition):
        service.resolve(session, incident_id=incident_id, actor="alice", now=T0)


def test_unknown_incident_is_not_found(session: Session) -> None:
    with pytest.raises(IncidentNotFound, match="incident 999 not found"):
        service.add_note(session, incident_id=999, actor="alice", text="hi", now=T0)
    assert service.get_incident(session, incident_id=999) is None


def test_notes_append_to_the_timeline(session: Session) -> None:
    incident_id = add_incident(session, group_key="g")
    event = service.add_note(session, incident_id=incident_id, actor="alice", text="rolled back", now=T0)
    session.commit()
    assert (event.kind, event.actor, event.message) == ("note", "alice", "rolled back")


def test_list_filters_and_paginates_newest_first(session: Session) -> None:
    ids = [
        add_incident(session, group_key=f"g{i}", service_name="api" if i % 2 else "worker") for i in range(5)
    ]
    page, total = service.list_incidents(session, service="api", limit=1)
    assert total == 2
    assert [i.id for i in page] == [ids[3]]
    second, _ = service.list_incidents(session, service="api", limit=1, offset=1)
    assert [i.id for i in second] == [ids[1]]
    none, total_warning = service.list_incidents(session, severity="warning")
    assert (none, total_warning) == ([], 0)
    service.resolve(session, incident_id=ids[0], actor="x", now=T0)
    session.commit()
    resolved, total_resolved = service.list_incidents(session, status="resolved")
    assert ([i.id for i in resolved], total_resolved) == ([ids[0]], 1)
