"""Transactions PostgreSQL aborts to break a deadlock run again; other errors do not."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from observability.store.engine import make_engine, session_factory
from observability.store.transient import commit_with_retry

RAISE_DEADLOCK = "DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '40P01'; END $$"


def test_a_deadlock_victim_runs_again_and_commits_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with session_factory(engine)() as session:
            session.execute(text("CREATE TABLE marks (n int)"))
            session.commit()
            attempts = []

            def work() -> int:
                attempts.append(1)
                session.execute(text("INSERT INTO marks VALUES (:n)"), {"n": len(attempts)})
                if len(attempts) == 1:
                    session.execute(text(RAISE_DEADLOCK))  # aborts, as a real deadlock victim
                return len(attempts)

            assert commit_with_retry(session, work) == 2
            assert session.execute(text("SELECT n FROM marks")).scalars().all() == [2]
    finally:
        engine.dispose()


def test_other_errors_are_not_retried(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with session_factory(engine)() as session:
            calls = []

            def broken() -> None:
                calls.append(1)
                session.execute(text("SELECT * FROM no_such_table"))

            with pytest.raises(ProgrammingError):
                commit_with_retry(session, broken)
            assert calls == [1]
            session.rollback()

            def always_deadlocked() -> None:
                calls.append(1)
                session.execute(text(RAISE_DEADLOCK))

            with pytest.raises(OperationalError):
                commit_with_retry(session, always_deadlocked, attempts=2)
            assert len(calls) == 3
    finally:
        engine.dispose()
