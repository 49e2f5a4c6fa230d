"""The stack's generated configuration passes the real tools' own checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from demo import stack_config
from demo.obs_cli import generate_fast_rules
from observability.catalog import exporters
from tests.support import binary


def test_prometheus_config_with_fast_rules_passes_promtool(tmp_path: Path) -> None:
    rules = generate_fast_rules(tmp_path / "rules")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        stack_config.prometheus_config(
            {"api": "127.0.0.1:1", "worker": "127.0.0.1:2"},
            alertmanager="127.0.0.1:3",
            rule_glob=str(rules / "*.yml"),
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [binary("promtool"), "check", "config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_fast_rules_link_their_runbooks_to_the_given_service(tmp_path: Path) -> None:
    rules = generate_fast_rules(tmp_path / "rules", "http://127.0.0.1:45678/runbooks")
    urls = {
        rule["annotations"]["runbook_url"]
        for path in rules.glob("*.yml")
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    assert "http://127.0.0.1:45678/runbooks/dependency-errors" in urls
    assert all(url.startswith("http://127.0.0.1:45678/runbooks/") for url in urls), urls


def test_alertmanager_config_sends_the_bearer_token_from_a_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("secret", encoding="utf-8")
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        stack_config.alertmanager_config("http://127.0.0.1:8080/api/v1/webhooks/alertmanager", token),
        encoding="utf-8",
    )
    result = subprocess.run(
        [binary("amtool"), "check-config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    webhook = yaml.safe_load(config.read_text())["receivers"][0]["webhook_configs"][0]
    assert webhook["http_config"]["authorization"]["credentials_file"] == str(token)
    assert webhook["send_resolved"] is True


def test_postgres_exporter_queries_name_the_catalog_metrics() -> None:
    without = yaml.safe_load(stack_config.postgres_exporter_queries(pgvector=False))
    with_vector = yaml.safe_load(stack_config.postgres_exporter_queries(pgvector=True))

    def exposed(queries: dict[str, dict[str, list[dict[str, dict[str, str]]]]]) -> set[str]:
        return {
            f"{prefix}_{column}"
            for prefix, query in queries.items()
            for metric in query["metrics"]
            for column, spec in metric.items()
            if spec["usage"] == "GAUGE"
        }

    assert exposed(without) == {exporters.PG_REPLICATION_LAG}
    assert exposed(with_vector) == {exporters.PG_REPLICATION_LAG, exporters.PG_VECTOR_INDEX_SIZE_BYTES}
