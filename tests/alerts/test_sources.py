"""Alert definition files: loaded by path, and refused with a message naming the file and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from observability.ascode.rules import AlertRule, AlertSourceError, load_alert_groups, render_rules
from observability.catalog import names, platform

GOOD = """
from observability.ascode.rules import AlertRule
from observability.catalog import names, platform

RULES = [
    AlertRule(
        name="{name}",
        expr="up{{job='api'}} == 0",
        severity=names.{severity},
        service=platform.API,
        summary="The API is down.",
        description="{{{{ $labels.instance }}}} is down.",
        runbook="api-down",
    ),
]
"""


def write_alerts(root: Path, files: dict[str, str]) -> Path:
    (root / "alerts").mkdir(parents=True)
    for name, text in files.items():
        (root / "alerts" / name).write_text(text)
    return root


def good(name: str = "PlatformApiDown", severity: str = "CRITICAL") -> str:
    return GOOD.format(name=name, severity=severity)


def test_each_file_becomes_a_group_named_after_it(tmp_path: Path) -> None:
    root = write_alerts(tmp_path, {"api.py": good(), "_shared.py": "X = 1\n", "notes.txt": "ignored"})
    groups = load_alert_groups(root)
    assert [(g.name, [r.name for r in g.rules]) for g in groups] == [("api", ["PlatformApiDown"])]
    assert sorted(str(p) for p in render_rules(root)) == [
        "alerts/generated/api.rules.yml",
        "alerts/generated/slo.rules.yml",
    ]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"api.py": "X = 1\n"}, "alerts/api.py: must define RULES, a non-empty list of AlertRule"),
        (
            {"api.py": "RULES = ['PlatformApiDown']\n"},
            "alerts/api.py: RULES holds 'PlatformApiDown', which is not",
        ),
        ({"api.py": "RULES = [\n"}, "alerts/api.py: SyntaxError"),
        (
            {"api.py": good(name="ApiDown")},
            "alerts/api.py: ValueError: alert 'ApiDown': name must start with",
        ),
        ({"api.py": good(severity="NONE")}, "severity 'none' is not one of critical, warning, info"),
        ({"slo.py": good()}, "alerts/slo.py: the name 'slo' is reserved for generated SLO rules"),
        (
            {"a.py": good(), "b.py": good()},
            "alerts/b.py: alert PlatformApiDown is also defined in alerts/a.py",
        ),
    ],
)
def test_a_broken_definition_file_is_named_in_the_error(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    root = write_alerts(tmp_path, files)
    with pytest.raises(AlertSourceError, match=r"^alerts/") as raised:
        load_alert_groups(root)
    assert message in str(raised.value)


def rule(**overrides: object) -> AlertRule:
    fields: dict = {
        "name": "PlatformApiDown",
        "expr": "up == 0",
        "severity": names.CRITICAL,
        "service": platform.API,
        "summary": "The API is down.",
        "description": "{{ $labels.instance }} is down.",
        "runbook": "api-down",
    }
    return AlertRule(**(fields | overrides))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "platformApiDown"}, "name must be CamelCase"),
        ({"summary": "{{ $labels.job }} is down."}, "summary must be a non-empty static sentence"),
        ({"runbook": "Api Down"}, "runbook 'Api Down' is not a slug"),
        ({"dashboard": "nope"}, "no dashboard 'nope' in the catalog"),
        ({"for_": "5 minutes"}, "'5 minutes' is not a Prometheus duration"),
        ({"labels": {"severity": "info"}}, "label 'severity' is reserved"),
        ({"name": "Watchdog", "severity": names.CRITICAL}, "severity 'critical' is not one of none"),
        ({"expr": "  \n "}, "expr is empty"),
    ],
)
def test_an_invalid_alert_is_refused_with_the_reason(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=r"^alert ") as raised:
        rule(**overrides)
    assert message in str(raised.value)


def test_expressions_are_dedented_and_descriptions_joined_on_one_line() -> None:
    alert = rule(expr="\n    sum(up)\n    == 0   \n", description="one\n    two")
    assert alert.expr == "sum(up)\n== 0"
    assert alert.description == "one two"
    assert alert.dashboard_uid == "obs-api"
