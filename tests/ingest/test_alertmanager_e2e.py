"""A real Alertmanager drives a real `obs serve`: incidents, resolves, duplicates, truncation, SIGKILL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from observability import incident_actions as service
from observability.store.engine import make_engine, session_factory
from observability.store.models import Incident, IncidentAlert, IngestLedgerEntry
from tests.ingest.live import WEBHOOK, Alertmanager, ObsServer, RecordingProxy, wait_until
from tests.support import free_port

pytestmark = pytest.mark.e2e

TOKEN = "e2e-webhook-token"


@dataclass
class Live:
    alertmanager: Alertmanager
    server: ObsServer
    proxy: RecordingProxy
    database_url: str

    def incidents(self, alertname: str) -> list[Incident]:
        engine = make_engine(self.database_url)
        try:
            with session_factory(engine)() as session:
                ids = session.scalars(
                    select(Incident.id)
                    .join(IncidentAlert, IncidentAlert.incident_id == Incident.id)
                    .where(IncidentAlert.alertname == alertname)
                    .distinct()
                    .order_by(Incident.id)
                ).all()
                return [service.get_incident(session, incident_id=i) for i in ids]  # type: ignore[misc]
        finally:
            engine.dispose()

    def ledger_size(self) -> int:
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return int(
                    connection.execute(select(func.count()).select_from(IngestLedgerEntry)).scalar_one()
                )
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("e2e")
    service_port, proxy_port, am_port = free_port(), free_port(), free_port()
    database_url = f"sqlite:///{folder / 'obs.db'}"
    server = ObsServer(
        service_port,
        {
            "OBS_DATABASE_URL": database_url,
            "OBS_WEBHOOK_TOKEN": TOKEN,
            "OBS_ALERTMANAGER_URL": f"http://127.0.0.1:{am_port}",
        },
        folder / "obs.log",
    )
    proxy = alertmanager = None
    # Everything started inside the try: whichever start fails, what did start is stopped.
    try:
        server.start()
        proxy = RecordingProxy(proxy_port, service_port)
        alertmanager = Alertmanager(am_port, f"http://127.0.0.1:{proxy_port}{WEBHOOK}", TOKEN, folder)
        yield Live(alertmanager, server, proxy, database_url)
    finally:
        if alertmanager is not None:
            alertmanager.stop()
        if proxy is not None:
            proxy.stop()
        server.stop()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_amtool_alert_opens_an_incident_with_its_runbook_and_resolving_resolves_it(live: Live) -> None:
    start = now() - timedelta(seconds=5)
    labels = {"alertname": "E2eApiDown", "service": "api", "severity": "critical"}
    live.alertmanager.add(labels, start=start, runbook_url="http://runbooks/api-down", summary="API down")
    wait_until(lambda: len(live.incidents("E2eApiDown")) == 1, 20, "the incident to open")
    [incident] = live.incidents("E2eApiDown")
    assert (incident.status, incident.title, incident.severity) == ("triggered", "API down", "critical")
    assert incident.links["runbooks"] == ["http://runbooks/api-down"]

    live.alertmanager.add(
        labels, start=start, end=now(), runbook_url="http://runbooks/api-down", summary="API down"
    )
    wait_until(lambda: live.incidents("E2eApiDown")[0].status == "resolved", 20, "the incident to resolve")
    [incident] = live.incidents("E2eApiDown")
    assert incident.resolved_by == "alertmanager"
    assert [a.status for a in incident.alerts] == ["resolved"]


def test_two_alerts_in_one_group_make_one_incident_with_two_children(live: Live) -> None:
    start = now() - timedelta(seconds=5)
    for instance in ("api-1", "api-2"):
        labels = {"alertname": "E2eApiErrors", "service": "api", "severity": "warning", "instance": instance}
        live.alertmanager.add(labels, start=start)
    wait_until(lambda: sum(len(i.alerts) for i in live.incidents("E2eApiErrors")) == 2, 20, "both alerts")
    [incident] = live.incidents("E2eApiErrors")
    assert sorted(a.labels["instance"] for a in incident.alerts) == ["api-1", "api-2"]


def test_same_payload_posted_twice_and_concurrently_makes_one_incident(live: Live) -> None:
    live.alertmanager.add({"alertname": "E2eReplay", "service": "api", "severity": "critical"}, start=now())
    wait_until(lambda: len(live.incidents("E2eReplay")) == 1, 20, "the incident to open")
    body = next(b for b, status in live.proxy.records if status == 200 and b"E2eReplay" in b)
    before = live.ledger_size()
    url = f"http://127.0.0.1:{live.server.port}{WEBHOOK}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    assert httpx.post(url, content=body, headers=headers).json()["outcome"] == "duplicate"

    # A first notification of a new group, posted by eight clients at once.
    fresh = json.loads(body)
    fresh["groupKey"] = fresh["groupKey"].replace("E2eReplay", "E2eRace")
    for alert in fresh["alerts"]:
        alert["labels"]["alertname"] = "E2eRace"
        alert["fingerprint"] = "e2e00race0000001"
    codes: list[int] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        codes.append(httpx.post(url, content=json.dumps(fresh), headers=headers, timeout=30).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 8
    assert len(live.incidents("E2eRace")) == 1
    assert live.ledger_size() == before + 1


def test_truncated_notification_fetches_the_missing_alerts_from_alertmanager(live: Live) -> None:
    start = now() - timedelta(seconds=5)
    for instance in ("a", "b", "c"):
        labels = {"alertname": "E2eTruncated", "truncate": "yes", "severity": "warning", "instance": instance}
        live.alertmanager.add(labels, start=start)
    wait_until(
        lambda: sum(len(i.alerts) for i in live.incidents("E2eTruncated")) == 3, 20, "all three alerts"
    )
    sent = [json.loads(b) for b, status in live.proxy.records if status == 200 and b"E2eTruncated" in b]
    assert any(notification["truncatedAlerts"] > 0 for notification in sent)
    assert all(len(notification["alerts"]) == 1 for notification in sent)
    [incident] = live.incidents("E2eTruncated")
    assert incident.truncated_alerts > 0


def test_sigkill_mid_stream_loses_nothing_and_alertmanager_retries_the_rest(live: Live) -> None:
    start = now() - timedelta(seconds=5)
    names = [f"E2eKill{i:02d}" for i in range(24)]
    stream_done = threading.Event()

    def stream() -> None:
        for name in names:
            live.alertmanager.add(
                {"alertname": name, "service": "worker", "severity": "critical"}, start=start
            )
        stream_done.set()

    sender = threading.Thread(target=stream)
    sender.start()
    wait_until(lambda: sum(1 for b, s in live.proxy.records if s == 200 and b"E2eKill" in b) >= 4, 20, "some")
    live.server.kill()
    acknowledged_before_kill = [json.loads(b) for b, s in live.proxy.records if s == 200 and b"E2eKill" in b]
    sender.join(30)
    assert stream_done.is_set()
    live.server.start()

    def all_present() -> bool:
        return all(len(live.incidents(name)) == 1 for name in names)

    wait_until(all_present, 40, "Alertmanager's retries to deliver every alert", interval=0.5)
    assert any(s == 502 for b, s in live.proxy.records if b"E2eKill" in b), "the kill missed the stream"
    for notification in acknowledged_before_kill:
        for alert in notification["alerts"]:
            [incident] = live.incidents(alert["labels"]["alertname"])
            assert alert["fingerprint"] in {child.fingerprint for child in incident.alerts}
