"""The two write paths (portable Core statements, PostgreSQL JSON statements) store the same rows:
the same scenarios written through each, on SQLite and PostgreSQL, are compared row by row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Table, select, text

from observability.escalation.loading import load_matrix
from observability.escalation.matrix import Matrix
from observability.incidents.payload import AlertmanagerNotification
from observability.ingest import portable_statements, postgres_statements
from observability.ingest.rows import WritePath, episodes, incident_alerts, incidents, ledger, timeline
from observability.ingest.transaction import write_notification
from observability.store.base import normalise_row
from observability.store.engine import make_engine, session_factory
from observability.store.escalation_models import EscalationStep
from observability.store.migrate import upgrade
from tests.conftest import REPO_ROOT
from tests.ingest.payloads import T0, alert, notification, resolved

TABLES: tuple[Table, ...] = (incidents, incident_alerts, timeline, ledger, episodes, EscalationStep.__table__)  # type: ignore[assignment]
BERLIN = timezone(timedelta(hours=1))
NEW_YORK = timezone(timedelta(hours=-5))
RULE_FOR = {"PlatformApiDown": timedelta(minutes=2)}


def at(minutes: int, zone: timezone = BERLIN) -> datetime:
    """T0 plus `minutes`, expressed in another zone than UTC (the paths must store it as UTC)."""
    return (T0 + timedelta(minutes=minutes)).astimezone(zone)


def scenario() -> list[tuple[datetime, dict[str, Any]]]:
    """Open with two alerts, one resolves, the other too (resolved), refire (reopen), a repeat."""
    a = alert("fp-a", starts_at=at(-1, NEW_YORK))
    b = alert("fp-b", starts_at=at(0))
    refired = alert("fp-a", starts_at=at(20, NEW_YORK))
    return [
        (at(0), notification([a, b])),
        (at(5), notification([resolved(a, at(4, NEW_YORK)), b])),
        (at(10, NEW_YORK), notification([resolved(a, at(4)), resolved(b, at(9))])),
        (at(21), notification([refired])),
        (at(22), notification([{**refired, "annotations": {"summary": "again"}}])),  # a repeat: the ledger
    ]


def write_all(url: str, path: WritePath, matrix: Matrix) -> dict[str, list[dict[str, Any]]]:
    """Write the scenario through `path` on `url`; every row of every table it touches."""
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    try:
        for now, body in scenario():
            parsed = AlertmanagerNotification.model_validate(body)
            with sessions() as session, session.begin():
                write_notification(
                    session,
                    parsed,
                    content_hash=parsed.content_hash(),
                    alerts=parsed.alerts,
                    now=now,
                    reopen_window=timedelta(minutes=30),
                    runbooks={},
                    matrix=matrix,
                    rule_for=RULE_FOR,
                    path=path,
                )
        with engine.connect() as connection:
            return {
                table.name: [
                    dict(row._mapping) for row in connection.execute(select(table).order_by(table.c.id))
                ]
                for table in TABLES
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return load_matrix(REPO_ROOT / "incident")


@pytest.fixture
def sqlite_url(tmp_path: Any) -> Callable[[str], str]:
    return lambda name: f"sqlite:///{tmp_path / name}.db"


def emptied(url: str) -> str:
    """The PostgreSQL database at `url`, emptied of every table (to write it again from scratch)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def test_both_write_paths_store_the_same_rows_in_utc_on_both_backends(
    sqlite_url: Callable[[str], str], postgres_url: str, matrix: Matrix
) -> None:
    on_sqlite = write_all(sqlite_url("portable"), portable_statements, matrix)
    portable_on_postgres = write_all(postgres_url, portable_statements, matrix)
    json_on_postgres = write_all(emptied(postgres_url), postgres_statements, matrix)

    assert on_sqlite == portable_on_postgres == json_on_postgres
    [first, second] = json_on_postgres["incident_episodes"]
    assert (first["impact_started_at"], first["mitigated_at"], first["resolved_at"]) == (
        T0 - timedelta(minutes=3),
        T0 + timedelta(minutes=9),
        T0 + timedelta(minutes=10),
    )
    assert (second["episode"], second["impact_started_at"]) == (2, T0 + timedelta(minutes=18))
    stamps = [
        value
        for rows in json_on_postgres.values()
        for row in rows
        for value in row.values()
        if isinstance(value, datetime)
    ]
    assert stamps and {stamp.utcoffset() for stamp in stamps} == {timedelta(0)}
    assert len(json_on_postgres["ingest_ledger"]) == 5


def test_the_normaliser_makes_datetimes_utc_and_refuses_naive_ones() -> None:
    columns = frozenset({"opened_at", "resolved_at"})
    row = {"opened_at": at(0), "resolved_at": None, "title": "x"}
    assert normalise_row(row, columns) == {"opened_at": T0, "resolved_at": None, "title": "x"}
    assert normalise_row(row, columns)["opened_at"].utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="naive datetime"):
        naive = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - the naive value under test
        normalise_row({"opened_at": naive}, columns)
