"""`obs report` on a seeded store: medians and p90s checked against values worked out by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from observability.store.engine import make_engine
from observability.store.models import Incident, IncidentAlert, IncidentEpisode, TimelineEvent
from observability.store.review_models import ReviewVersion
from tests.ingest.stores import store_url

__all__ = ["store_url"]
REPO = Path(__file__).resolve().parents[2]

# (alert, service, severity, TTA s, TTR s or None, pages per escalation, flapping reopens,
#  runbook missing, reviewed, days ago)
SEEDED = [
    ("PlatformApiDown", "api", "critical", 60, 600, [2], 0, False, True, 1),
    ("PlatformApiDown", "api", "critical", 120, 900, [1, 1], 2, False, False, 2),
    ("PlatformWorkerDown", "worker", "warning", 180, 1200, [], 0, True, False, 3),
    ("PostgresDown", "postgres", "critical", 240, 3600, [1], 0, False, False, 4),
    ("PlatformApiHighErrorRatio", "api", "critical", 600, None, [1], 0, False, False, 5),
    ("PlatformApiDown", "api", "critical", 9999, 9999, [5], 0, True, False, 40),  # outside 30 d
]


def _seed(url: str) -> None:
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for name, service, severity, tta, ttr, pages, reopens, missing, reviewed, days in SEEDED:
                opened = now - timedelta(days=days)
                impact = opened - timedelta(seconds=60)
                paged = opened + timedelta(seconds=5)
                acked = paged + timedelta(seconds=tta)
                resolved = impact + timedelta(seconds=ttr) if ttr is not None else None
                incident = Incident(
                    group_key=f"{name}-{days}",
                    status="resolved" if resolved else "acknowledged",
                    title=f"{name} on {service}",
                    service=service,
                    severity=severity,
                    flapping=bool(reopens),
                    reopen_count=reopens,
                    runbook_missing=missing,
                    opened_at=opened,
                    updated_at=opened,
                    acknowledged_at=acked,
                    acknowledged_by="anna",
                    resolved_at=resolved,
                )
                session.add(incident)
                session.flush()
                session.add(
                    IncidentEpisode(
                        incident_id=incident.id,
                        episode=1,
                        impact_started_at=impact,
                        detected_at=opened,
                        first_paged_at=paged,
                        first_acknowledged_at=acked,
                        mitigated_at=resolved,
                        resolved_at=resolved,
                    )
                )
                session.add(
                    IncidentAlert(
                        incident_id=incident.id,
                        fingerprint=f"fp-{days}",
                        starts_at=opened,
                        status="resolved" if resolved else "firing",
                        alertname=name,
                        severity=severity,
                        labels={"alertname": name},
                        annotations={},
                        runbook_url="" if missing else "http://runbooks/x",
                        first_seen_at=opened,
                        last_seen_at=opened,
                    )
                )
                for count in pages:
                    data = {"pages": [{"target": "rotation:x", "person": "p", "address": "U1"}] * count}
                    session.add(
                        TimelineEvent(
                            incident_id=incident.id, at=paged, kind="escalated", actor="escalation", data=data
                        )
                    )
                if reviewed:
                    session.add(
                        ReviewVersion(
                            incident_id=incident.id,
                            version=1,
                            content_hash="0" * 64,
                            template_hash="0" * 64,
                            made_at=now,
                            made_by="test",
                            markdown="",
                            html="",
                            graphs=[],
                        )
                    )
            session.commit()
    finally:
        engine.dispose()


def _obs_report(url: str, *args: str) -> str:
    env = {**os.environ, "OBS_DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "observability.cli", "report", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_obs_report_prints_median_and_p90_of_tta_and_ttr_worked_out_by_hand(store_url: str) -> None:
    _seed(store_url)
    text = _obs_report(store_url, "--since", "30d")
    # TTA 60, 120, 180, 240, 600 s: median 180; p90 at rank 4 x 0.9 = 3.6: 240 + 0.6 x 360 = 456.
    assert "TTA: median 3m (180.0 s), p90 7m36s (456.0 s) over 5 episode(s)" in text
    # TTR 600, 900, 1200, 3600 s (one unresolved): median (900 + 1200) / 2 = 1050;
    # p90 at rank 3 x 0.9 = 2.7: 1200 + 0.7 x 2400 = 2880.
    assert "TTR: median 17m30s (1050.0 s), p90 48m (2880.0 s) over 4 episode(s)" in text
    assert "incidents opened" in text and ": 5\n" in text.splitlines()[0] + "\n"
    lines = text.splitlines()

    def section(title: str) -> list[str]:
        start = lines.index(f"{title}:") + 1
        end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
        return [line.split() for line in lines[start:end]]

    assert section("incidents per service") == [["3", "api"], ["1", "postgres"], ["1", "worker"]]
    assert section("incidents per alert")[0] == ["2", "PlatformApiDown"]
    assert section("alerts that paged most (pages, incidents paged)") == [
        ["4", "2", "PlatformApiDown"],
        ["1", "1", "PlatformApiHighErrorRatio"],
        ["1", "1", "PostgresDown"],
    ]
    assert section("flapping alerts (flapping incidents, reopens)") == [["1", "2", "PlatformApiDown"]]
    assert [row[0] for row in section("incidents without a runbook")] == ["#3"]
    assert [row[0] for row in section("acknowledged incidents without a review")] == ["#2", "#3", "#4", "#5"]


def test_obs_report_as_json_and_a_bad_period_is_refused(store_url: str) -> None:
    _seed(store_url)
    data = json.loads(_obs_report(store_url, "--since", "2w", "--format", "json"))
    assert (data["tta"]["median"], data["tta"]["p90"]) == (180.0, 456.0)
    assert data["incidents"] == 5
    env = {**os.environ, "OBS_DATABASE_URL": store_url, "PYTHONPATH": str(REPO)}
    refused = subprocess.run(
        [sys.executable, "-m", "observability.cli", "report", "--since", "forever"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "30d" in refused.stderr
