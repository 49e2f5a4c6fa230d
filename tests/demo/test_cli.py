"""`obs demo` argument handling that needs no running stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from observability.cli import main
from observability.cli.demo import parse_ports


def test_fault_without_a_running_demo_says_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--run-dir", str(tmp_path), "fault", "dependency-errors"]) == 1
    assert "no running demo" in capsys.readouterr().err


def test_unknown_fault_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "fault", "meteor-strike"])
    assert "dependency-errors" in capsys.readouterr().err


def test_ports_are_component_equals_number() -> None:
    assert parse_ports(["prometheus=9090", "api=8000"]) == {"prometheus": 9090, "api": 8000}
    for bad in ("prometheus", "grafana=3000", "api=99999"):
        with pytest.raises(ValueError, match="COMPONENT=PORT"):
            parse_ports([bad])


def test_ports_base_takes_consecutive_ports_in_component_order() -> None:
    from demo.choices import COMPONENTS
    from observability.cli.demo import consecutive_ports

    ports = consecutive_ports(20000)
    assert list(ports) == list(COMPONENTS)
    assert sorted(ports.values()) == list(range(20000, 20000 + len(COMPONENTS)))
    for bad in (80, 65535):
        with pytest.raises(ValueError, match="OBS_DEMO_PORTS"):
            consecutive_ports(bad)


def test_a_bad_obs_demo_ports_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OBS_DEMO_PORTS", "nine")
    assert main(["demo", "run"]) == 2
    assert "OBS_DEMO_PORTS='nine': not a port number" in capsys.readouterr().err
