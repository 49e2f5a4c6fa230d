"""A storm has one digest per shared channel even when replicas ingest it concurrently (PostgreSQL).

Each writer is a thread with its own session (its own connection) running the real ingest
transaction; the database decides who opens the digest and who joins it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from observability.delivery.routing import SlackRouting
from observability.escalation.loading import load_matrix
from observability.incidents.payload import AlertmanagerNotification
from observability.ingest.pipeline import ingest_notification
from observability.ingest.transaction import write_notification
from observability.store.delivery_models import PLACE_DIGEST, SlackDigest, SlackIncident
from observability.store.engine import make_engine, session_factory
from observability.store.migrate import alembic_config, upgrade
from tests.api.conftest import alert, notification

MATRIX = load_matrix(Path(__file__).resolve().parents[2] / "incident")
SHARED = "alerts-platform"  # the platform-warning policy's channel in incident/escalation.yml
NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
WAIT = 30.0


@pytest.fixture
def sessions(postgres_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(postgres_url)
    engine = make_engine(postgres_url, pool_size=10)
    factory = session_factory(engine)
    # Threshold 0: every warning incident goes to the digest, so the first writers race to open it.
    SlackRouting(
        matrix=lambda: MATRIX,
        channel_severities=frozenset({"critical"}),
        alerts_channel="alerts",
        storm_threshold=0,
        storm_window=timedelta(minutes=10),
    ).bind(factory)
    yield factory
    engine.dispose()


def storm_notification(n: int) -> AlertmanagerNotification:
    body = notification(f"storm-{n}", alerts=[alert(f"Storm{n}", severity="warning", fingerprint=f"s{n}")])
    return AlertmanagerNotification.model_validate(body)


def write(session: Session, n: int) -> None:
    note = storm_notification(n)
    write_notification(
        session,
        note,
        content_hash=note.content_hash(),
        alerts=note.alerts,
        now=NOW,
        reopen_window=timedelta(minutes=30),
        runbooks={},
        matrix=MATRIX,
    )


def digests(sessions: sessionmaker[Session]) -> list[tuple[int, int]]:
    """(digest id, incidents in it) per digest."""
    with sessions() as session:
        rows = session.execute(
            select(SlackDigest.id, func.count(SlackIncident.incident_id))
            .join(SlackIncident, SlackIncident.digest_id == SlackDigest.id, isouter=True)
            .group_by(SlackDigest.id)
        ).all()
    return [(int(digest_id), int(count)) for digest_id, count in rows]


def blocked_on_a_lock(sessions: sessionmaker[Session], pid: int) -> bool:
    with sessions() as session:
        wait = session.scalar(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
    return wait == "Lock"


def test_a_second_writer_joins_the_digest_an_uncommitted_writer_opened(
    sessions: sessionmaker[Session],
) -> None:
    """Writer B places its incident while A's transaction, which opened the digest, is still open."""
    placed, b_pid, b_done = threading.Event(), [0], threading.Event()
    errors: list[BaseException] = []

    def writer_a() -> None:
        try:
            with sessions() as session, session.begin():
                write(session, 0)
                placed.set()
                # Commit once B has placed too (the bug) or is waiting for A (the fix), bounded.
                deadline = time.monotonic() + WAIT
                while not b_done.is_set() and time.monotonic() < deadline:
                    if b_pid[0] and blocked_on_a_lock(sessions, b_pid[0]):
                        break
                    time.sleep(0.02)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def writer_b() -> None:
        try:
            assert placed.wait(WAIT)
            with sessions() as session, session.begin():
                b_pid[0] = int(session.scalar(text("SELECT pg_backend_pid()")) or 0)
                write(session, 1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            b_done.set()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * WAIT)
    assert not errors and not any(thread.is_alive() for thread in threads)
    assert [count for _, count in digests(sessions)] == [2]


def test_concurrent_ingest_of_a_storm_makes_one_digest(sessions: sessionmaker[Session]) -> None:
    writers = 8
    start = threading.Barrier(writers, timeout=WAIT)
    errors: list[BaseException] = []

    def ingest(n: int) -> None:
        try:
            start.wait()
            ingest_notification(
                sessions,
                storm_notification(n),
                now=NOW,
                reopen_window=timedelta(minutes=30),
                runbooks={},
                matrix=MATRIX,
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * WAIT)
    assert not errors
    assert [count for _, count in digests(sessions)] == [writers]
    with sessions() as session:
        places = session.scalars(select(SlackIncident.place)).all()
    assert places == [PLACE_DIGEST] * writers


def test_the_database_refuses_a_second_open_digest_for_a_channel(sessions: sessionmaker[Session]) -> None:
    def open_digest(session: Session) -> None:
        session.add(
            SlackDigest(
                channel=SHARED, channel_id="", ts="", opened_at=NOW, last_joined_at=NOW, open_channel=SHARED
            )
        )
        session.flush()

    with sessions() as session, session.begin():
        open_digest(session)
    with sessions() as session, session.begin(), pytest.raises(IntegrityError):
        open_digest(session)


def test_0009_makes_each_channels_newest_digest_its_open_one_and_downgrades(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
            for channel in ("a", "a", "b"):
                connection.execute(
                    text(
                        "INSERT INTO slack_digests (channel, channel_id, ts, opened_at, last_joined_at) "
                        "VALUES (:channel, '', '', :at, :at)"
                    ),
                    {"channel": channel, "at": NOW},
                )
            connection.commit()
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, open_channel FROM slack_digests ORDER BY id")).all()
        assert [open_channel for _, open_channel in rows] == [None, "a", "b"]
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
            connection.commit()
        assert "open_channel" not in {c["name"] for c in inspect(engine).get_columns("slack_digests")}
        upgrade(engine)
    finally:
        engine.dispose()
