"""Migration 0004 gives every incident from before episodes one episode, from what it kept."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from observability.store.base import UTCDateTime
from observability.store.engine import make_engine
from observability.store.migrate import alembic_config, upgrade
from observability.store.models import IncidentEpisode
from tests.ingest.payloads import T0

MIN = timedelta(minutes=1)
DATETIMES = {"opened_at", "updated_at", "acknowledged_at", "resolved_at", "due_at", "created_at", "fired_at"}
DATETIMES |= {"at", "starts_at", "first_seen_at", "last_seen_at"}


def table(name: str, *names: str) -> sa.TableClause:
    """The table as 0003 left it, only the columns written here (later migrations may add more)."""
    return sa.table(name, *(sa.column(c, UTCDateTime() if c in DATETIMES else None) for c in names))


INCIDENTS = table(
    "incidents",
    *("id", "group_key", "status", "title", "service", "severity", "receiver", "group_labels"),
    *("flapping", "reopen_count", "firing_alerts", "truncated_alerts", "runbook_missing"),
    *("opened_at", "updated_at", "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by"),
)
STEPS = table(
    "escalation_steps",
    *("incident_id", "policy", "round", "cycle", "step", "due_at", "targets", "status"),
    *("created_at", "fired_at", "cancel_reason"),
)


def downgrade_to(engine: sa.Engine, revision: str) -> None:
    """The schema as it was at `revision` (the rows written next are what that release stored)."""
    with engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def incident(incident_id: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": incident_id,
        "group_key": f"g{incident_id}",
        "status": "triggered",
        "title": "t",
        "service": "api",
        "severity": "critical",
        "receiver": "obs",
        "group_labels": "{}",
        "flapping": False,
        "reopen_count": 0,
        "firing_alerts": 1,
        "truncated_alerts": 0,
        "runbook_missing": False,
        "opened_at": T0,
        "updated_at": T0,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
    }
    return row | values


def test_0004_backfills_one_episode_per_existing_incident(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        downgrade_to(engine, "0003")
        with engine.begin() as connection:
            connection.execute(
                INCIDENTS.insert(),
                [
                    incident(1),
                    incident(
                        2,
                        status="resolved",
                        firing_alerts=0,
                        acknowledged_at=T0 + 4 * MIN,
                        acknowledged_by="anna",
                        resolved_at=T0 + 30 * MIN,
                        resolved_by="alertmanager",
                    ),
                    incident(3, status="triggered", reopen_count=2, flapping=True),
                ],
            )
            connection.execute(
                STEPS.insert(),
                {
                    "incident_id": 2,
                    "policy": "p",
                    "round": 0,
                    "cycle": 0,
                    "step": 0,
                    "due_at": T0,
                    "targets": "[]",
                    "status": "fired",
                    "created_at": T0,
                    "fired_at": T0 + MIN,
                    "cancel_reason": "",
                },
            )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(IncidentEpisode.__table__).order_by("incident_id")).all()
        found = [
            (
                row.incident_id,
                row.episode,
                row.impact_started_at,
                row.detected_at,
                row.first_paged_at,
                row.first_acknowledged_at,
                row.mitigated_at,
                row.resolved_at,
            )
            for row in rows
        ]
        assert found == [
            (1, 1, T0, T0, None, None, None, None),
            (2, 1, T0, T0, T0 + MIN, T0 + 4 * MIN, T0 + 30 * MIN, T0 + 30 * MIN),
            (3, 3, T0, T0, None, None, None, None),  # the latest of its openings
        ]
    finally:
        engine.dispose()


TIMELINE = table("timeline_events", "incident_id", "at", "kind", "actor", "message", "data")
ALERTS = table(
    "incident_alerts",
    *("incident_id", "fingerprint", "starts_at", "status", "alertname", "severity", "summary", "labels"),
    *("annotations", "runbook_url", "dashboard_url", "generator_url", "first_seen_at", "last_seen_at"),
)


def event(incident_id: int, kind: str, at: datetime) -> dict[str, object]:
    return {
        "incident_id": incident_id,
        "at": at,
        "kind": kind,
        "actor": "alertmanager",
        "message": kind,
        "data": "{}",
    }


def occurrence(incident_id: int, starts_at: datetime, first_seen_at: datetime) -> dict[str, object]:
    return {
        **dict.fromkeys(("summary", "runbook_url", "dashboard_url", "generator_url"), ""),
        "incident_id": incident_id,
        "fingerprint": "f",
        "starts_at": starts_at,
        "status": "firing",
        "alertname": "PlatformApiDown",
        "severity": "critical",
        "labels": "{}",
        "annotations": "{}",
        "first_seen_at": first_seen_at,
        "last_seen_at": first_seen_at,
    }


def fired_step(incident_id: int, round: int, at: datetime) -> dict[str, object]:
    return {
        **{"incident_id": incident_id, "policy": "p", "round": round, "cycle": 0, "step": 0, "due_at": at},
        **{"targets": "[]", "status": "fired", "created_at": at, "fired_at": at, "cancel_reason": ""},
    }


def test_0010_dates_a_reopened_incidents_backfilled_episode_from_its_reopen(store_url: str) -> None:
    reopen, again = T0 + 60 * MIN, T0 + 120 * MIN
    engine = make_engine(store_url)
    try:
        downgrade_to(engine, "0003")
        with engine.begin() as connection:
            connection.execute(
                INCIDENTS.insert(),
                [
                    # Acknowledged in its first opening, reopened an hour later, paged again.
                    incident(4, reopen_count=1, flapping=True, acknowledged_at=T0 + 5 * MIN),
                    incident(5, reopen_count=2, flapping=True),  # reopened twice: the second counts
                    incident(6, reopen_count=1, flapping=True),  # its timeline lost: left as it was
                ],
            )
            connection.execute(
                TIMELINE.insert(),
                [
                    event(4, "opened", T0),
                    event(4, "reopened", reopen),
                    event(5, "reopened", reopen),
                    event(5, "reopened", again),
                ],
            )
            connection.execute(
                ALERTS.insert(),
                [
                    occurrence(4, T0 - 2 * MIN, T0),
                    {**occurrence(4, reopen - 3 * MIN, reopen), "fingerprint": "g"},
                ],
            )
            connection.execute(STEPS.insert(), [fired_step(4, 0, T0 + MIN), fired_step(4, 1, reopen + MIN)])
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(IncidentEpisode.__table__).order_by("incident_id")).all()
        found = {
            row.incident_id: (
                row.episode,
                row.impact_started_at,
                row.detected_at,
                row.first_paged_at,
                row.first_acknowledged_at,
            )
            for row in rows
        }
        assert found == {
            4: (2, reopen - 3 * MIN, reopen, reopen + MIN, None),
            5: (3, again, again, None, None),
            6: (2, T0, T0, None, None),
        }
        upgrade(engine)  # at head already; the correction ran once and matches nothing now
    finally:
        engine.dispose()
