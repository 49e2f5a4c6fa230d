"""The matrix loads and validates; every problem is one line naming the file, the item and what is wrong."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from observability.cli import main
from observability.escalation.loading import MatrixError, load_matrix

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def matrix_dir(tmp_path: Path, repo_root: Path) -> Path:
    target = tmp_path / "incident"
    target.mkdir()
    for name in ("people.yml", "rotations.yml", "escalation.yml"):
        shutil.copy(repo_root / "incident" / name, target / name)
    return target


def edit(folder: Path, filename: str, change: Edit) -> None:
    path = folder / filename
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def problems(folder: Path) -> list[str]:
    with pytest.raises(MatrixError) as caught:
        load_matrix(folder)
    return caught.value.problems


def rotation(document: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(item for item in document["rotations"] if item["id"] == ident)


def policy(document: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(item for item in document["policies"] if item["id"] == ident)


def test_the_shipped_matrix_is_valid(repo_root: Path) -> None:
    matrix = load_matrix(repo_root / "incident")
    assert matrix.policies[-1].match == {}
    services = {"api", "worker", "postgres", "node", "dependencies", "incident"}
    for service in services:
        for severity in ("critical", "warning"):
            chosen = matrix.policy_for({"service": service, "severity": severity})
            assert chosen.id != "default", (service, severity)  # every catalog service is routed on purpose


def test_check_config_command_accepts_the_shipped_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config"]) == 0
    assert "escalation matrix ok: 13 people, 5 rotations, 9 policies" in capsys.readouterr().out


CASES = [
    pytest.param(
        "rotations.yml",
        lambda d: rotation(d, "platform-primary")["members"].append("zed"),
        "rotations.yml: rotation platform-primary: member 'zed' is not a person in people.yml",
        id="unknown-member",
    ),
    pytest.param(
        "escalation.yml",
        lambda d: policy(d, "platform-critical")["steps"][1].update(delay="-5m"),
        "escalation.yml: policy platform-critical: steps[1]: negative delay -5m",
        id="negative-delay",
    ),
    pytest.param(
        "rotations.yml",
        lambda d: rotation(d, "platform-primary")["overrides"].append(
            {"from": "2026-12-27 09:00", "to": "2026-12-30 09:00", "person": "anna"}
        ),
        "rotations.yml: rotation platform-primary: overrides[0] and overrides[1] overlap",
        id="overlapping-overrides",
    ),
    pytest.param(
        "escalation.yml",
        lambda d: policy(d, "database-critical")["steps"][0]["targets"].append({"rotation": "dba"}),
        "escalation.yml: policy database-critical: steps[0].targets[2]: unknown rotation 'dba'",
        id="unknown-rotation-in-step",
    ),
    pytest.param(
        "escalation.yml",
        lambda d: policy(d, "default").update(match={"severity": "critical"}),
        "escalation.yml: no default policy",
        id="no-default",
    ),
    pytest.param(
        "people.yml",
        lambda d: d["people"][0].update(timezone="Europe/Berln"),
        "people.yml: person anna: timezone: unknown timezone 'Europe/Berln'",
        id="bad-person-timezone",
    ),
    pytest.param(
        "rotations.yml",
        lambda d: rotation(d, "data-primary").update(timezone="America/NewYork"),
        "rotations.yml: rotation data-primary: timezone: unknown timezone 'America/NewYork'",
        id="bad-rotation-timezone",
    ),
    pytest.param(
        "rotations.yml",
        lambda d: rotation(d, "managers").update(handoff=540),
        'rotations.yml: rotation managers: handoff: write the handoff as a quoted local time such as "09:00"',
        id="unquoted-handoff",
    ),
    pytest.param(
        "escalation.yml",
        lambda d: d["policies"].append(
            {
                "id": "late",
                "match": {"service": "api"},
                "steps": [{"delay": "0m", "targets": [{"channel": "#x"}]}],
            }
        ),
        "escalation.yml: policy late: comes after the default policy 'default', so it never matches",
        id="policy-after-default",
    ),
    pytest.param(
        "escalation.yml",
        lambda d: policy(d, "platform-critical")["match"].update(service=["api", "wrker"]),
        "escalation.yml: policy platform-critical: match.service: unknown service 'wrker'",
        id="unknown-service",
    ),
    pytest.param(
        "escalation.yml",
        lambda d: policy(d, "node-critical").update(repeat_every="10m"),
        "escalation.yml: policy node-critical: repeat_every 10m must be longer than the last step's delay",
        id="repeat-shorter-than-steps",
    ),
    pytest.param(
        "escalation.yml",
        lambda d: policy(d, "platform-warning")["steps"][0]["targets"][0].update(person="anna"),
        "escalation.yml: policy platform-warning: steps[0].targets[0]: a target names exactly one of",
        id="target-with-two-kinds",
    ),
    pytest.param(
        "people.yml",
        lambda d: d["people"].append(dict(d["people"][0])),
        "people.yml: person anna: the id 'anna' is used twice",
        id="duplicate-person",
    ),
    pytest.param(
        "rotations.yml",
        lambda d: rotation(d, "platform-primary")["overrides"][0].update(person="nobody"),
        "rotations.yml: rotation platform-primary: overrides[0]: person 'nobody' is not a person",
        id="unknown-override-person",
    ),
]


@pytest.mark.parametrize(("filename", "change", "expected"), CASES)
def test_each_problem_names_file_item_and_what_is_wrong(
    matrix_dir: Path, filename: str, change: Edit, expected: str
) -> None:
    edit(matrix_dir, filename, change)
    found = problems(matrix_dir)
    shown = [line.split(str(matrix_dir.parent) + "/", 1)[-1].removeprefix("incident/") for line in found]
    assert any(line.startswith(expected) for line in shown), found
    assert len(found) == 1, found  # one problem, one line: no knock-on noise


def test_every_problem_is_reported_at_once(matrix_dir: Path) -> None:
    edit(matrix_dir, "rotations.yml", lambda d: rotation(d, "managers")["members"].append("zed"))
    edit(matrix_dir, "escalation.yml", lambda d: policy(d, "default")["steps"][0].update(delay="-1m"))
    assert len(problems(matrix_dir)) == 2


def test_a_yaml_syntax_error_names_the_file_and_line(matrix_dir: Path) -> None:
    (matrix_dir / "people.yml").write_text("people:\n  - {id: anna\n")
    (found,) = problems(matrix_dir)[:1]
    assert "people.yml: line" in found and "not valid YAML" in found


def test_a_missing_file_is_named(matrix_dir: Path) -> None:
    (matrix_dir / "rotations.yml").unlink()
    assert any(line.endswith("rotations.yml: missing") for line in problems(matrix_dir))


def test_the_matrix_may_be_one_file(matrix_dir: Path, tmp_path: Path) -> None:
    merged: dict[str, Any] = {}
    for name in ("people.yml", "rotations.yml", "escalation.yml"):
        merged |= yaml.safe_load((matrix_dir / name).read_text())
    single = tmp_path / "matrix.yml"
    single.write_text(yaml.safe_dump(merged, sort_keys=False))
    assert len(load_matrix(single).policies) == 9
    merged["policies"][0]["steps"][0]["delay"] = "-1m"
    single.write_text(yaml.safe_dump(merged, sort_keys=False))
    (line,) = problems(single)
    assert "matrix.yml: policy incident-service-critical: steps[0]: negative delay" in line


def test_check_config_command_fails_with_one_line_per_problem(
    matrix_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(matrix_dir, "rotations.yml", lambda d: rotation(d, "managers").update(timezone="Mars/Olympus"))
    assert main(["check-config", str(matrix_dir)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].endswith(
        "rotations.yml: rotation managers: timezone: unknown timezone 'Mars/Olympus' "
        "(use an IANA name such as 'Europe/Berlin')"
    )
    assert lines[-1].startswith("obs check-config: 1 problem(s)")


def test_an_invalid_item_still_has_its_references_checked(matrix_dir: Path) -> None:
    def break_primary(document: dict[str, Any]) -> None:
        primary = rotation(document, "platform-primary")
        primary["members"].append("zed")
        primary["overrides"].append({"from": "2026-12-27 09:00", "to": "2026-12-30 09:00", "person": "anna"})

    edit(matrix_dir, "rotations.yml", break_primary)
    found = problems(matrix_dir)
    assert len(found) == 2
    assert found[0].endswith(
        "overrides[0] and overrides[1] overlap: 2026-12-24 09:00 → 2026-12-28 09:00 (ben) and "
        "2026-12-27 09:00 → 2026-12-30 09:00 (anna)"
    )  # in the rotation's local time, as written
    assert found[1].endswith("rotation platform-primary: member 'zed' is not a person in people.yml")
