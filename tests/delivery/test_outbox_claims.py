"""Claiming outbox rows on SQLite and PostgreSQL: order per stream, pacing, leases, SKIP LOCKED."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from observability.delivery import outbox
from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import OUTBOX_SENT, OutboxMessage
from tests.delivery.conftest import T0, add_incident, add_row

LEASE = timedelta(seconds=60)
KINDS = ("slack.thread", "slack.card")


def claim(sessions, now, owner="a", limit=10, pacing=timedelta(seconds=1)):  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return outbox.claim(
            session,
            now=now,
            owner=owner,
            lease=LEASE,
            limit=limit,
            kinds=KINDS,
            paced_kinds={"slack.thread"},
            pacing=pacing,
        )


@pytest.fixture
def sessions(store_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(store_url)
    yield session_factory(engine)
    engine.dispose()


def test_only_the_oldest_pending_row_of_a_stream_is_claimable(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        incident = add_incident(session)
        first = add_row(session, incident, stream="s1", key="1")
        second = add_row(session, incident, stream="s1", key="2")
        other = add_row(session, incident, stream="s2", key="3")
    claimed = claim(sessions, T0)
    assert sorted(m.id for m in claimed) == [first, other]
    with sessions.begin() as session:
        assert outbox.settle(session, first, "a", status=OUTBOX_SENT, sent_at=T0)
    # Paced: the stream waits a second after its last message.
    assert claim(sessions, T0 + timedelta(milliseconds=500)) == []
    assert [m.id for m in claim(sessions, T0 + timedelta(seconds=1))] == [second]


def test_a_leased_row_is_not_claimed_twice_until_its_lease_runs_out_and_then_it_is_in_doubt(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        row = add_row(session, add_incident(session), stream="")
    first = claim(sessions, T0, owner="a")
    assert [m.in_doubt for m in first] == [False]
    assert claim(sessions, T0 + timedelta(seconds=30), owner="b") == []
    again = claim(sessions, T0 + LEASE, owner="b")
    assert [(m.id, m.attempts, m.in_doubt) for m in again] == [(row, 2, True)]
    # The first owner's late outcome is refused: the row is b's now.
    with sessions.begin() as session:
        assert not outbox.settle(session, row, "a", status=OUTBOX_SENT)
        assert outbox.settle(session, row, "b", status=OUTBOX_SENT)


def test_rows_not_yet_due_or_of_other_kinds_are_left(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        incident = add_incident(session)
        add_row(session, incident, stream="", at=T0 + timedelta(seconds=5))
        add_row(session, incident, stream="", kind="page", key="p")
    assert claim(sessions, T0) == []


def test_two_postgres_senders_claim_disjoint_rows_at_the_same_time(postgres_url: str) -> None:
    from observability.store.migrate import upgrade

    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        incident = add_incident(session)
        ids = [add_row(session, incident, stream=f"s{n}", key=str(n)) for n in range(6)]
    first = sessions()
    first.begin()
    held = outbox.claim(first, now=T0, owner="a", lease=LEASE, limit=3, kinds=KINDS)
    # While a's claim is uncommitted, b skips the locked rows instead of waiting for them.
    second = claim(sessions, T0, owner="b")
    first.commit()
    first.close()
    assert {m.id for m in held} | {m.id for m in second} == set(ids)
    assert not {m.id for m in held} & {m.id for m in second}
    with sessions() as session:
        owners = dict(session.execute(select(OutboxMessage.id, OutboxMessage.lease_owner)).all())
    assert sorted(owners.values()) == ["a"] * 3 + ["b"] * 3
    engine.dispose()
