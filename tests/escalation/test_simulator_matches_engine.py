"""`obs escalation simulate` prints exactly what the engine then does for the same incident."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from observability.cli import main
from observability.escalation.durations import format_duration, parse_duration
from observability.escalation.matrix import Matrix
from tests.escalation.conftest import Desk

MIN = timedelta(minutes=1)
PAGE_LINE = re.compile(
    r"^\s+(?P<offset>\+\S+)\s+.+?\s{2}(?P<label>step \S+, cycle \S+, round \d+)\s+page (?P<who>.+)$"
)

CASES = [
    # 08:55 Berlin on the Monday platform-primary hands off at 09:00: dmitri, then anna.
    pytest.param(
        "service=api,severity=critical", datetime(2026, 3, 2, 7, 55, tzinfo=UTC), "12m", id="api-ack"
    ),
    # 09:50 New York, ten minutes before the data rotation's Tuesday handoff; never acknowledged.
    pytest.param(
        "service=postgres,severity=critical", datetime(2026, 3, 3, 14, 50, tzinfo=UTC), None, id="db"
    ),
    # 19:50 Berlin, ten minutes before the SRE night shift; acknowledged after 3 minutes.
    pytest.param(
        "service=incident,severity=critical", datetime(2026, 3, 2, 18, 50, tzinfo=UTC), "3m", id="sre"
    ),
]


@pytest.mark.parametrize(("labels", "start", "ack_after"), CASES)
def test_simulated_timeline_is_what_the_engine_fires(
    desk: Desk,
    matrix: Matrix,
    capsys: pytest.CaptureFixture[str],
    labels: str,
    start: datetime,
    ack_after: str | None,
) -> None:
    args = ["escalation", "simulate", "--labels", labels, "--at", start.isoformat()]
    assert main(args + (["--ack-after", ack_after] if ack_after else [])) == 0
    printed = capsys.readouterr().out
    simulated = [match.groupdict() for line in printed.splitlines() if (match := PAGE_LINE.match(line))]
    assert simulated, printed

    values = dict(part.split("=") for part in labels.split(","))
    incident = desk.open(start, service=values["service"], severity=values["severity"])
    ack_at = start + parse_duration(ack_after) if ack_after else None
    for minute in range(0, 4 * 60):
        at = start + minute * MIN
        if at == ack_at:
            desk.acknowledge(incident, at)
        desk.tick(at)
    engine_lines = []
    for event in desk.escalations(incident):
        data = event.data
        policy = matrix.policy(data["policy"])
        assert policy is not None
        label = (
            f"step {data['step'] + 1}/{len(policy.steps)}, cycle {data['cycle'] + 1}/{policy.repeat + 1}, "
            f"round {data['round']}"
        )
        who = ", ".join(
            page["address"]
            if page["person"] is None
            else f"{matrix.people[page['person']].name} ({page['target']})"
            for page in data["pages"]
        )
        offset = "+" + format_duration(datetime.fromisoformat(data["due_at"]) - start)
        engine_lines.append({"offset": offset, "label": label, "who": who})
    assert engine_lines == simulated
    assert "handoff" in printed  # each case crosses a handoff, and the pages show both sides
