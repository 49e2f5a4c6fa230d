"""Incident timestamps per episode, filled by the ingest, the engine and the service functions, and
the MTTA/MTTR histograms measured from them (TTA = first ack - first page, TTR = resolved - impact
start), through an acknowledgement, an ack timeout, a re-ack, a resolve and a reopen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from observability.incidents.durations import durations
from observability.ingest.rule_index import load_rule_for
from observability.store.models import IncidentEpisode
from observability.telemetry import Telemetry
from tests.escalation.conftest import Desk

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # platform-critical: steps 0/10/20m, ack timeout 30m
MIN = timedelta(minutes=1)
# PlatformApiDown (the alert the desk fires) holds `for: 2m` in alerts/api.py.
FOR = 2 * MIN


def episodes(desk: Desk, incident_id: int) -> list[IncidentEpisode]:
    with desk.sessions() as session:
        query = select(IncidentEpisode).where(IncidentEpisode.incident_id == incident_id)
        return list(session.scalars(query.order_by(IncidentEpisode.episode)))


def histogram(telemetry: Telemetry, name: str) -> tuple[float, float]:
    """(count, sum) of a histogram's critical series."""
    labels = {"severity": "critical"}
    count = telemetry.registry.get_sample_value(f"{name}_count", labels) or 0.0
    total = telemetry.registry.get_sample_value(f"{name}_sum", labels) or 0.0
    return count, total


def test_the_catalog_gives_the_rules_for_by_alert_name(repo_root: Path) -> None:
    rule_for = load_rule_for(repo_root)
    assert rule_for["PlatformApiDown"] == FOR
    assert load_rule_for(repo_root / "no-such-folder").get("PlatformApiDown") is None


def test_a_re_ack_after_the_ack_timeout_keeps_the_first_ack_and_a_reopen_starts_episode_two(
    desk: Desk,
) -> None:
    telemetry = Telemetry(process_metrics=False)
    telemetry.bind(desk.sessions)
    started = T - MIN  # Alertmanager's startsAt; the rule held it pending for FOR before that
    incident = desk.open(T, starts_at=started)
    desk.tick(T)  # first page
    desk.acknowledge(incident, T + 4 * MIN)
    assert desk.tick(T + 34 * MIN) == 1  # the ack timeout re-triggers it and pages again
    assert desk.incident(incident).status == "triggered"
    desk.acknowledge(incident, T + 36 * MIN, actor="ben")
    desk.alert_resolves(started, T + 50 * MIN, ended_at=T + 49 * MIN)  # resolves the incident too

    [first] = episodes(desk, incident)
    assert (first.episode, first.impact_started_at, first.detected_at) == (1, started - FOR, T)
    assert (first.first_paged_at, first.first_acknowledged_at) == (T, T + 4 * MIN)
    assert (first.mitigated_at, first.resolved_at) == (T + 49 * MIN, T + 50 * MIN)
    assert durations(first).tta == 4 * MIN
    assert durations(first).ttr == 53 * MIN
    assert durations(first).ttm == 52 * MIN and durations(first).ttd == 3 * MIN

    # Firing again inside the reopen window reopens the incident: a new episode, measured anew.
    restarted = T + 54 * MIN
    assert desk.open(T + 55 * MIN, starts_at=restarted) == incident
    desk.tick(T + 55 * MIN)
    desk.acknowledge(incident, T + 57 * MIN)
    desk.resolve(incident, T + 65 * MIN)  # by hand, while the alert still fires

    first_again, second = episodes(desk, incident)
    assert first_again.resolved_at == T + 50 * MIN  # episode 1 untouched
    assert (second.episode, second.impact_started_at, second.detected_at) == (
        2,
        restarted - FOR,
        T + 55 * MIN,
    )
    assert (second.first_paged_at, second.first_acknowledged_at) == (T + 55 * MIN, T + 57 * MIN)
    assert (second.mitigated_at, second.resolved_at) == (None, T + 65 * MIN)
    assert (durations(second).tta, durations(second).ttr) == (2 * MIN, 13 * MIN)

    # One MTTA and one MTTR sample per episode: the re-ack and the reopen's origin count nothing.
    assert histogram(telemetry, "obs_time_to_acknowledge_seconds") == (2, (4 + 2) * 60)
    assert histogram(telemetry, "obs_time_to_resolve_seconds") == (2, (53 + 13) * 60)

    # The alert resolving later mitigates episode 2 (the first time only) and counts no second TTR.
    desk.alert_resolves(restarted, T + 70 * MIN, ended_at=T + 69 * MIN)
    assert episodes(desk, incident)[1].mitigated_at == T + 69 * MIN
    assert histogram(telemetry, "obs_time_to_resolve_seconds") == (2, (53 + 13) * 60)


def test_an_ack_before_any_page_leaves_tta_unmeasured(desk: Desk) -> None:
    telemetry = Telemetry(process_metrics=False)
    telemetry.bind(desk.sessions)
    incident = desk.open(T)
    desk.acknowledge(incident, T + MIN)  # the engine has not fired step 1 yet
    [episode] = episodes(desk, incident)
    assert (episode.first_paged_at, episode.first_acknowledged_at, durations(episode).tta) == (
        None,
        T + MIN,
        None,
    )
    assert histogram(telemetry, "obs_time_to_acknowledge_seconds") == (0, 0)
