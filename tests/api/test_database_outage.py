"""The app while its PostgreSQL is stopped and after it starts again, on a server of the module's own.

Down: every route that needs the database answers 503 with a message and Retry-After (HTML on pages),
/readyz fails, the periodic jobs log one line per run. Up again: the same app serves and pages.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import QueuePool, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from observability.store.escalation_models import OutboxMessage
from observability.store.outage import database_unavailable, unavailable_reason
from tests.api.conftest import WEBHOOK_TOKEN, Service, auth, notification
from tests.private_postgres import PrivatePostgres, running_private_postgres
from tests.support import free_port

pytestmark = pytest.mark.e2e

WEBHOOK = "/api/v1/webhooks/alertmanager"
AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    with running_private_postgres() as running:
        yield running


@pytest.fixture
def on_server(server: PrivatePostgres, make_service: Callable[..., Service]) -> Iterator[Service]:
    """A service on a fresh database of the private server; the server runs again afterwards."""
    yield make_service(server.create_database(f"outage_{uuid.uuid4().hex[:8]}"))
    if not server.running():
        server.start()


def test_the_webhook_answers_503_with_a_message_while_postgresql_is_down_then_200(
    on_server: Service, server: PrivatePostgres
) -> None:
    client = on_server.client
    assert client.post(WEBHOOK, json=notification("before"), headers=AUTH).status_code == 200
    server.stop("immediate")
    down = client.post(WEBHOOK, json=notification("during"), headers=AUTH)
    assert down.status_code == 503, down.text
    assert down.headers["Retry-After"] == "5"
    assert down.json() == {
        "detail": "the notification was not stored: the database is unavailable; Alertmanager will retry it"
    }
    server.start()
    # The same app, no restart: the pool dropped the connections the server lost.
    again = client.post(WEBHOOK, json=notification("during"), headers=AUTH)
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] != "duplicate"


def test_api_routes_and_pages_answer_503_while_postgresql_is_down(
    on_server: Service, server: PrivatePostgres
) -> None:
    server.stop("fast")
    api = on_server.client.get("/api/v1/incidents", headers=auth("viewer"))
    assert api.status_code == 503, api.text
    assert api.json() == {"detail": "The database is unavailable; try again in a moment."}
    assert api.headers["Retry-After"] == "5"
    page = on_server.client.get("/incidents/", headers=auth("viewer"))
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "The database is unavailable" in page.text and "Traceback" not in page.text
    server.start()
    assert on_server.client.get("/api/v1/incidents", headers=auth("viewer")).status_code == 200


def test_readyz_fails_while_postgresql_is_down_and_passes_again_without_a_restart(
    on_server: Service, server: PrivatePostgres
) -> None:
    assert on_server.client.get("/readyz").status_code == 200
    server.stop("immediate")
    down = on_server.client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["detail"].startswith("database unreachable")
    assert on_server.client.get("/healthz").status_code == 200  # liveness: a restart would not help
    server.start()
    ready = on_server.client.get("/readyz")
    assert ready.status_code == 200, ready.text


def test_the_escalation_job_logs_one_line_while_postgresql_is_down_and_pages_once_it_is_back(
    on_server: Service, server: PrivatePostgres, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = on_server.app.state.sessions
    server.stop("immediate")
    with caplog.at_level(logging.WARNING, logger="observability"):
        wait_for(lambda: _tick_warnings(caplog) >= 2, "the escalation job to run twice while down")
    failures = [
        r for r in caplog.records if r.name.startswith("observability") and r.levelno >= logging.WARNING
    ]
    assert all(record.exc_info is None for record in failures), "a traceback per run while down"
    server.start()
    # The scheduler's job (not a tick by hand) pages the incident opened after the outage.
    incident_id = on_server.fire("after-outage")

    def paged() -> bool:
        with sessions() as session:
            count = session.scalar(select(func.count()).where(OutboxMessage.incident_id == incident_id))
        return bool(count)

    wait_for(paged, "the escalation job to page after the outage")


def _tick_warnings(caplog: pytest.LogCaptureFixture) -> int:
    return sum(
        1 for r in caplog.records if r.getMessage().startswith("escalation tick: database unavailable")
    )


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_errors_of_an_unreachable_server_a_locked_file_or_a_full_pool_count_as_unavailable(
    tmp_path: Path,
) -> None:
    refused = free_port()  # nothing listens there
    with pytest.raises(psycopg.OperationalError) as raw:
        psycopg.connect(host="127.0.0.1", port=refused, user="postgres", connect_timeout=2)
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{refused}/none")
    with pytest.raises(OperationalError) as wrapped, engine.connect():
        pass
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        sqlite3.connect(path, timeout=0).execute("CREATE TABLE t (x)")
    holder.rollback()
    pool = create_engine(
        f"sqlite:///{path}", poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.01
    )
    with pool.connect(), pytest.raises(PoolTimeout) as full, pool.connect():
        pass
    for error in (raw.value, wrapped.value, locked.value, full.value):
        assert database_unavailable(error), error
    assert unavailable_reason(wrapped.value).startswith("OperationalError: connection failed:")


def test_a_missing_table_or_a_bad_statement_is_a_bug_not_an_outage(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.connect() as connection:
        with pytest.raises(OperationalError) as missing:  # SQLite says OperationalError for it
            connection.execute(text("SELECT * FROM incidents"))
        with pytest.raises(DBAPIError) as syntax:
            connection.execute(text("SELEC 1"))
    assert not database_unavailable(missing.value)
    assert not database_unavailable(syntax.value)
    assert not database_unavailable(ValueError("not a database error"))


def test_every_route_answering_503_while_postgresql_is_down_documents_it_and_none_answers_500(
    on_server: Service, server: PrivatePostgres
) -> None:
    from tests.api.test_openapi_refusals import concrete, operations, token_for

    on_server.fire("g-documented")
    routes = [
        (method, path, operation) for method, path, operation in operations(on_server) if method == "GET"
    ]
    server.stop("fast")
    unavailable = []
    for method, path, operation in routes:
        response = on_server.client.request(method, concrete(path), headers=token_for(path))
        assert response.status_code != 500, (path, response.text[:200])
        if response.status_code == 503:
            unavailable.append(path)
            assert "503" in operation["responses"], path
            if path != "/readyz":  # a probe's answer, not a request to retry
                assert response.headers.get("Retry-After") == "5", (path, dict(response.headers))
    server.start()
    assert "/api/v1/incidents" in unavailable and "/readyz" in unavailable and len(unavailable) >= 10
