"""Each lint check on small hand-made content: it passes clean content and names what is wrong."""

from __future__ import annotations

from pathlib import Path

from observability.ascode.lint import alert_checks, dashboard_checks, metric_checks, runbook_checks
from observability.ascode.lint.coverage_checks import check_alert_test_coverage
from observability.ascode.lint.problem import Problem
from tests.lint.fixtures import RUNBOOK, alert, content, dashboard, panel, repository, rules_file

RULES = "alerts/generated/api.rules.yml"
API_BOARD = "dashboards/generated/api.json"


def declared(recorded: set[str] | None = None) -> set[str]:
    return metric_checks.declared_series_names(recorded or set())


def test_clean_fixture_has_no_problems(tmp_path: Path) -> None:
    root = repository(tmp_path)
    parsed = content()
    runbooks = runbook_checks.load(root)
    assert parsed.problems == []
    assert alert_checks.check_alert_metadata(parsed.alerts) == []
    assert alert_checks.check_alert_links(parsed.alerts, root, {"obs-api"}) == []
    assert metric_checks.check_rule_metrics(parsed.rules, declared()) == []
    assert metric_checks.check_dashboard_metrics(parsed.dashboards, declared()) == []
    assert dashboard_checks.check_unique_uids(parsed.dashboards) == []
    assert dashboard_checks.check_panel_layout(parsed.dashboards) == []
    assert runbook_checks.check_runbook_contract(runbooks) == []
    assert runbook_checks.check_runbooks_match_alerts(runbooks, parsed.alerts) == []
    assert runbook_checks.check_runbook_queries(runbooks, declared()) == []


def test_alert_missing_annotation_and_label_is_named() -> None:
    broken = alert(labels={"severity": "critical", "service": "api"})
    del broken["annotations"]["dashboard_url"]
    problems = alert_checks.check_alert_metadata(content(rules_file(broken)).alerts)
    assert problems == [
        Problem(RULES, "PlatformApiDown", "missing label 'team'"),
        Problem(RULES, "PlatformApiDown", "missing annotation 'dashboard_url'"),
    ]


def test_severity_none_is_accepted_for_the_watchdog_only() -> None:
    labels = {"severity": "none", "service": "incident", "team": "sre"}
    parsed = content(
        rules_file(alert("Watchdog", labels=labels), alert("IncidentServiceDown", labels=labels))
    )
    problems = alert_checks.check_alert_metadata(parsed.alerts)
    assert [(p.item, p.message) for p in problems] == [
        ("IncidentServiceDown", "severity 'none' is not one of critical, warning, info")
    ]


def test_team_that_does_not_own_the_service_is_named() -> None:
    parsed = content(rules_file(alert(labels={"severity": "warning", "service": "api", "team": "sre"})))
    [problem] = alert_checks.check_alert_metadata(parsed.alerts)
    assert problem.item == "PlatformApiDown"
    assert "team 'sre' differs from the catalog's owner of 'api' ('platform')" in problem.message


def test_runbook_url_to_a_missing_file_points_nowhere(tmp_path: Path) -> None:
    broken = alert()
    broken["annotations"]["runbook_url"] = "http://127.0.0.1:8080/runbooks/api-gone"
    problems = alert_checks.check_alert_links(
        content(rules_file(broken)).alerts, repository(tmp_path), {"obs-api"}
    )
    assert [p.line() for p in problems] == [
        f"{RULES}: PlatformApiDown: runbook_url http://127.0.0.1:8080/runbooks/api-gone points nowhere: "
        "no runbooks/api-gone.md"
    ]


def test_dashboard_url_to_an_unknown_uid_points_nowhere(tmp_path: Path) -> None:
    broken = alert()
    broken["annotations"]["dashboard_url"] = "http://127.0.0.1:3000/d/obs-apii"
    problems = alert_checks.check_alert_links(
        content(rules_file(broken)).alerts, repository(tmp_path), {"obs-api"}
    )
    assert len(problems) == 1
    assert problems[0].item == "PlatformApiDown"
    assert "no generated dashboard has uid 'obs-apii'" in problems[0].message


def test_runbook_slug_and_dashboard_uid_come_from_the_url_path() -> None:
    assert alert_checks.runbook_slug("https://oncall.example/runbooks/api-down/") == "api-down"
    assert alert_checks.runbook_slug("https://example/runbooks/api-down.md") == "api-down"
    assert alert_checks.dashboard_uid("http://grafana:3000/d/obs-api/api?orgId=1") == "obs-api"
    assert alert_checks.dashboard_uid("http://grafana:3000/dashboards") is None


def test_misspelt_metric_in_a_rule_is_named_with_a_suggestion() -> None:
    parsed = content(rules_file(alert(expr='sum(rate(http_requests_totl{job="api"}[5m])) > 0')))
    [problem] = metric_checks.check_rule_metrics(parsed.rules, declared())
    assert (problem.file, problem.item) == (RULES, "PlatformApiDown")
    assert "'http_requests_totl'" in problem.message
    assert "did you mean 'http_requests_total'?" in problem.message


def test_recorded_series_histogram_series_and_exporter_metrics_are_declared() -> None:
    recording = {"record": "sli:api_errors:ratio_rate5m", "expr": "sum(rate(http_requests_total[5m]))"}
    uses = alert(
        expr="sli:api_errors:ratio_rate5m > 0.1"
        " and on() sum(rate(http_request_duration_seconds_bucket[5m])) > 0"
        " and on() pg_up == 1 and on() rate(http_requests_created[5m]) >= 0"
    )
    parsed = content(rules_file(recording, uses))
    assert metric_checks.check_rule_metrics(parsed.rules, declared(parsed.recorded_names)) == []


def test_bare_histogram_name_is_not_a_series() -> None:
    parsed = content(rules_file(alert(expr="rate(http_request_duration_seconds[5m]) > 1")))
    [problem] = metric_checks.check_rule_metrics(parsed.rules, declared())
    assert "'http_request_duration_seconds'" in problem.message


def test_misspelt_metric_in_a_panel_and_a_variable_is_named() -> None:
    board = dashboard(
        panels=[
            panel("Errors", 0, 0, id=7, targets=[{"expr": "rate(http_requests_totl[$__rate_interval])"}])
        ],
        templating={
            "list": [{"type": "query", "name": "instance", "query": {"query": "label_values(upp, instance)"}}]
        },
    )
    problems = metric_checks.check_dashboard_metrics(
        content(dashboards={"api": board}).dashboards, declared()
    )
    assert [(p.file, p.item) for p in problems] == [
        (API_BOARD, "panel 'Errors' (id 7)"),
        (API_BOARD, "variable 'instance'"),
    ]


def test_unparseable_panel_query_is_named() -> None:
    board = dashboard(panels=[panel("Broken", 0, 0, id=3, targets=[{"expr": "sum(rate(up[5m])"}])])
    [problem] = metric_checks.check_dashboard_metrics(
        content(dashboards={"api": board}).dashboards, declared()
    )
    assert problem.item == "panel 'Broken' (id 3)"
    assert "does not parse as PromQL" in problem.message


def test_two_dashboards_sharing_a_uid_are_named() -> None:
    parsed = content(dashboards={"api": dashboard("obs-api"), "worker": dashboard("obs-api")})
    assert dashboard_checks.check_unique_uids(parsed.dashboards) == [
        Problem(
            "dashboards/generated/worker.json", "uid obs-api", f"uid 'obs-api' is also used by {API_BOARD}"
        )
    ]


def test_overlapping_panels_are_named_and_collapsed_rows_are_laid_out_apart() -> None:
    collapsed = {
        "title": "More",
        "type": "row",
        "collapsed": True,
        "id": 10,
        "gridPos": {"x": 0, "y": 16, "w": 24, "h": 1},
        # Inside a collapsed row, positions are those the panels take when it opens.
        "panels": [panel("Hidden", 0, 17, id=11)],
    }
    board = dashboard(
        panels=[panel("A", 0, 0, id=1), panel("B", 6, 4, id=2), panel("C", 12, 17, id=3), collapsed]
    )
    problems = dashboard_checks.check_panel_layout(content(dashboards={"api": board}).dashboards)
    assert len(problems) == 1
    assert (problems[0].file, problems[0].item) == (API_BOARD, "panel 'B' (id 2)")
    assert problems[0].message.startswith("overlaps panel 'A' (id 1) on the grid")


def test_panel_past_the_grid_and_duplicate_panel_id_are_named() -> None:
    board = dashboard(panels=[panel("Wide", 20, 0, w=8, id=1), panel("Twin", 0, 8, id=1)])
    problems = dashboard_checks.check_panel_layout(content(dashboards={"api": board}).dashboards)
    assert sorted((p.item, p.message.split(" (")[0]) for p in problems) == [
        ("panel 'Twin' (id 1)", "id also used by panel 'Wide'"),
        ("panel 'Wide' (id 1)", "extends past the 24-column grid"),
    ]


def test_runbook_missing_a_section_and_a_key_is_named(tmp_path: Path) -> None:
    text = RUNBOOK.replace("team: platform\n", "").replace("## Impact\nClients cannot submit jobs.\n\n", "")
    runbooks = runbook_checks.load(repository(tmp_path, {"api-down": text}))
    problems = runbook_checks.check_runbook_contract(runbooks)
    assert [p.line() for p in problems] == [
        "runbooks/api-down.md: front matter: front matter lacks `team`",
        "runbooks/api-down.md: sections: missing section `## Impact`",
    ]


def test_runbook_must_list_the_alerts_that_link_to_it(tmp_path: Path) -> None:
    text = RUNBOOK.replace("alerts: [PlatformApiDown]", "alerts: [PlatformApiGone]")
    runbooks = runbook_checks.load(repository(tmp_path, {"api-down": text}))
    problems = runbook_checks.check_runbooks_match_alerts(runbooks, content().alerts)
    assert [p.message for p in problems] == [
        "lists alert 'PlatformApiGone', which no rule defines",
        f"alert PlatformApiDown links here ({RULES}) but `alerts` does not list it",
    ]


def test_runbook_promql_with_an_unknown_metric_is_named(tmp_path: Path) -> None:
    text = RUNBOOK.replace('up{job="api"}', 'up{job="api"}\n\nsum(rate(http_request_total[5m]))')
    runbooks = runbook_checks.load(repository(tmp_path, {"api-down": text}))
    [problem] = runbook_checks.check_runbook_queries(runbooks, declared())
    assert (
        problem.line()
        == "runbooks/api-down.md: promql block: uses metric 'http_request_total', which nothing declares"
    )


def test_alert_without_a_silent_promtool_case_is_named(tmp_path: Path) -> None:
    tests = tmp_path / "alerts" / "tests"
    tests.mkdir(parents=True)
    (tests / "api.test.yml").write_text(
        "rule_files: [../generated/api.rules.yml]\n"
        "tests:\n"
        "  - input_series: []\n"
        "    alert_rule_test:\n"
        "      - eval_time: 5m\n"
        "        alertname: PlatformApiDown\n"
        "        exp_alerts: [{exp_labels: {severity: critical}}]\n",
        encoding="utf-8",
    )
    [problem] = check_alert_test_coverage(content().alerts, tmp_path)
    assert problem.item == "PlatformApiDown"
    assert "where it stays silent" in problem.message
