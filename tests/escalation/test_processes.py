"""Real engine processes: a crash and restart between two steps, and two replicas on one PostgreSQL
with a few hundred incidents escalating at once. Wall-clock time; every process stopped by PID."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from observability.escalation.loading import load_matrix
from observability.store.escalation_models import STEP_FIRED, STEP_PENDING, EscalationStep
from observability.store.migrate import upgrade
from tests.escalation.conftest import Desk
from tests.escalation.processes import EngineProcess, write_fast_matrix

ON_TIME = timedelta(seconds=1)


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Callable[[str, Path], EngineProcess]]:
    started: list[EngineProcess] = []

    def start(url: str, matrix: Path) -> EngineProcess:
        engine = EngineProcess(url, matrix, tmp_path / f"engine{len(started)}.log")
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.stop()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def fired_steps(desk: Desk) -> list[EscalationStep]:
    with desk.sessions() as session:
        query = select(EscalationStep).where(EscalationStep.status == STEP_FIRED).order_by(EscalationStep.id)
        return list(session.scalars(query))


def count_pending(desk: Desk) -> int:
    with desk.sessions() as session:
        query = select(func.count()).select_from(EscalationStep).where(EscalationStep.status == STEP_PENDING)
        return int(session.scalar(query) or 0)


@pytest.fixture
def fast_desk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str, Path], Desk]]:
    desks: list[Desk] = []

    def build(url: str, matrix_path: Path) -> Desk:
        upgrade(url)
        matrix = load_matrix(matrix_path)
        desk = Desk(url, matrix)
        desks.append(desk)
        return desk

    yield build
    for desk in desks:
        desk.close()


def test_a_crash_between_two_steps_loses_nothing_and_fires_the_second_once_on_time(
    tmp_path: Path, engines: Callable[[str, Path], EngineProcess], fast_desk: Callable[[str, Path], Desk]
) -> None:
    matrix = write_fast_matrix(tmp_path / "matrix.yml", ["0s", "8s"])
    url = f"sqlite:///{tmp_path / 'obs.db'}"
    desk = fast_desk(url, matrix)
    first = engines(url, matrix)
    first.wait_ready()
    opened_at = datetime.now(UTC)
    incident = desk.open(opened_at)
    wait_until(lambda: len(fired_steps(desk)) == 1, 5, "the first step")
    first.kill()

    second = engines(url, matrix)
    second.wait_ready()
    wait_until(lambda: len(fired_steps(desk)) == 2, 15, "the second step")
    time.sleep(1.5)  # a few more ticks: nothing fires twice
    steps = fired_steps(desk)
    assert [step.step for step in steps] == [0, 1]
    assert steps[0].fired_by != steps[1].fired_by  # the second engine fired the second step
    assert steps[1].due_at == opened_at + timedelta(seconds=8)
    assert steps[1].fired_at is not None and timedelta(0) <= steps[1].fired_at - steps[1].due_at < ON_TIME
    assert len(desk.escalations(incident)) == 2
    assert len(desk.outbox(incident)) == 2


def test_two_replicas_on_postgresql_fire_every_step_exactly_once(
    tmp_path: Path,
    postgres_url: str,
    engines: Callable[[str, Path], EngineProcess],
    fast_desk: Callable[[str, Path], Desk],
) -> None:
    matrix = write_fast_matrix(tmp_path / "matrix.yml", ["0s", "2s", "4s"], repeat=1, repeat_every="5s")
    desk = fast_desk(postgres_url, matrix)
    replicas = [engines(postgres_url, matrix), engines(postgres_url, matrix)]
    for replica in replicas:
        replica.wait_ready()
    # 300 incidents at once: every step falls due for all of them at the same instant.
    incidents = desk.open_many(300, datetime.now(UTC))
    expected_steps = len(incidents) * 6
    wait_until(lambda: count_pending(desk) == 0, 60, "every step to fire")
    time.sleep(1.5)
    for replica in replicas:
        replica.stop()

    steps = fired_steps(desk)
    assert len(steps) == expected_steps
    events = desk.escalations()
    fired_ids = Counter(event.data["step_id"] for event in events)
    assert len(events) == expected_steps and set(fired_ids.values()) == {1}
    assert set(fired_ids) == {step.id for step in steps}
    outbox = desk.outbox()
    assert len(outbox) == expected_steps == len({row.idempotency_key for row in outbox})
    # Both replicas did part of the work (SKIP LOCKED spread it), neither did any twice.
    by_worker = Counter(step.fired_by for step in steps)
    assert len(by_worker) == 2, by_worker
    lateness = sorted((step.fired_at - step.due_at).total_seconds() for step in steps if step.fired_at)
    assert lateness[0] >= 0
    p50, worst = lateness[len(lateness) // 2], lateness[-1]
    print(f"lateness p50={p50:.3f}s max={worst:.3f}s by worker {dict(by_worker)}")
