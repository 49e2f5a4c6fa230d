"""Durations and generator profiles: production as committed, fast for live tests."""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml

from observability.ascode.rules import FAST, PRODUCTION, Profile, profile_named, render_rules
from observability.ascode.rules.durations import format_duration, parse_duration
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0s", 0), ("90s", 90), ("5m", 300), ("1h30m", 5400), ("3d", 259200), ("1w", 604800)],
)
def test_durations_parse_to_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "1.5m", "5 m", "m5", "-5m", "500ms"])
def test_bad_durations_are_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="not a Prometheus duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (90, "90s"), (3600, "1h"), (4320, "72m"), (86400, "1d")]
)
def test_durations_format_with_the_largest_exact_unit(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


def test_production_leaves_expressions_and_durations_as_written() -> None:
    expr = 'rate(x{route=~"/jobs/[0-9]+"}[5m])'
    assert PRODUCTION.expr(expr) == expr
    assert PRODUCTION.for_duration("15m") == "15m"


def test_fast_profile_turns_minutes_into_seconds_with_floors() -> None:
    assert FAST.expr("rate(x[1h]) and rate(y[5m]) and max_over_time(z[30m:1m])") == (
        "rate(x[1m]) and rate(y[5s]) and max_over_time(z[30s:1m])"
    )
    assert FAST.range("1m") == "5s"  # a rate needs several 1 s scrapes in its range
    assert FAST.for_duration("2m") == "2s"
    assert FAST.for_duration("3h") == "3m"
    assert FAST.for_duration("0s") == "0s"


def test_fast_profile_leaves_brackets_inside_label_regexes_alone() -> None:
    assert FAST.expr('x{route=~"/jobs/[0-9]+"}') == 'x{route=~"/jobs/[0-9]+"}'


def test_links_join_base_and_slug_or_uid() -> None:
    profile = Profile(
        "custom", runbook_base_url="https://oncall.example/runbooks/", grafana_base_url="https://g.example"
    )
    assert profile.runbook_url("api-down") == "https://oncall.example/runbooks/api-down"
    assert profile.dashboard_url("obs-api") == "https://g.example/d/obs-api"


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown alert profile 'slow'; choose one of production, fast"):
        profile_named("slow")
    assert profile_named("fast") is FAST
    assert FAST.time_scale == Fraction(1, 60)


def test_fast_render_keeps_names_labels_and_links_but_shortens_time() -> None:
    production = {p.name: yaml.safe_load(t) for p, t in render_rules(REPO_ROOT).items()}
    fast = {p.name: yaml.safe_load(t) for p, t in render_rules(REPO_ROOT, profile="fast").items()}
    assert production.keys() == fast.keys()
    for name, document in production.items():
        for group, fast_group in zip(document["groups"], fast[name]["groups"], strict=True):
            for rule, fast_rule in zip(group["rules"], fast_group["rules"], strict=True):
                assert rule.get("alert", rule.get("record")) == fast_rule.get(
                    "alert", fast_rule.get("record")
                )
                assert rule.get("labels") == fast_rule.get("labels")
                assert rule.get("annotations") == fast_rule.get("annotations")
    page_fast = fast["slo.rules.yml"]["groups"][0]["rules"][11]
    assert page_fast["labels"]["long_window"] == "1h" and page_fast["for"] == "2s"
    one_hour_sli = fast["slo.rules.yml"]["groups"][0]["rules"][2]
    assert one_hour_sli["record"] == "slo:sli_error:ratio_rate1h" and "[1m]" in one_hour_sli["expr"]
