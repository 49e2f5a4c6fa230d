"""The engine never waits for an incident another transaction is changing (PostgreSQL).

An ack, a resolve or the ingest lock the incident, then its episode, then cancel its pending steps.
An engine that held those steps and then waited for the episode would deadlock with them; it skips
the incident instead and fires its step on the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from observability.escalation.matrix import Matrix
from observability.store.escalation_models import STEP_CANCELLED, STEP_PENDING, EscalationStep
from observability.store.migrate import upgrade
from observability.store.models import Incident, IncidentEpisode
from tests.escalation.conftest import Desk

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def pg_desk(postgres_url: str, matrix: Matrix) -> Iterator[Desk]:
    upgrade(postgres_url)
    opened = Desk(postgres_url, matrix)
    yield opened
    opened.close()


def test_the_engine_skips_an_incident_another_transaction_holds_and_fires_it_afterwards(
    pg_desk: Desk,
) -> None:
    incident_id = pg_desk.open(T)
    holder = pg_desk.sessions()
    try:
        # The first half of an acknowledgement: the incident locked, its episode stamped.
        holder.execute(select(Incident).where(Incident.id == incident_id).with_for_update(key_share=True))
        holder.execute(
            update(IncidentEpisode)
            .where(IncidentEpisode.incident_id == incident_id)
            .values(first_acknowledged_at=T)
        )
        fired: list[int] = []
        engine = threading.Thread(target=lambda: fired.append(pg_desk.tick(T)), daemon=True)
        engine.start()
        engine.join(timeout=20)
        assert not engine.is_alive(), "the engine waited for the incident another transaction holds"
        assert fired == [0]
        # The second half: cancelling the pending steps does not wait for the engine either.
        holder.execute(
            update(EscalationStep)
            .where(EscalationStep.incident_id == incident_id, EscalationStep.status == STEP_PENDING)
            .values(status=STEP_CANCELLED, cancelled_at=T, cancel_reason="acknowledged")
        )
    finally:
        holder.rollback()
        holder.close()
    assert pg_desk.tick(T) == 1  # released: the skipped step fires on the next run
