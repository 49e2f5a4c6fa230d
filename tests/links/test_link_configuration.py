"""Where links point is configuration: pyproject.toml [tool.obs], overridable for one generation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from observability.ascode.links import Links, load_links
from observability.ascode.rules import GENERATED_DIR
from tests.conftest import REPO_ROOT


def annotations_of(folder: Path) -> list[dict[str, str]]:
    found = []
    for path in sorted(folder.glob("*.rules.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            found += [rule["annotations"] for rule in group["rules"] if "alert" in rule]
    assert found, f"no alerting rules under {folder}"
    return found


def test_generate_with_overrides_writes_every_link_under_the_given_bases(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "OBS_RUNBOOK_BASE_URL": "https://runbooks.example.org",
        "OBS_GRAFANA_URL": "https://grafana.example.org/",
    }
    env.pop("OBS_REPO_ROOT", None)
    done = subprocess.run(
        [sys.executable, "-m", "observability.cli", "generate", "alerts", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for found in annotations_of(tmp_path / GENERATED_DIR):
        assert found["runbook_url"].startswith("https://runbooks.example.org/"), found
        assert found["dashboard_url"].startswith("https://grafana.example.org/d/"), found


def test_committed_rules_carry_the_committed_configuration() -> None:
    links = load_links(REPO_ROOT)
    for found in annotations_of(REPO_ROOT / GENERATED_DIR):
        assert found["runbook_url"].startswith(links.runbook_base_url + "/"), found
        assert found["dashboard_url"].startswith(links.grafana_url + "/d/"), found


def test_the_runbook_base_defaults_to_the_services_own_runbook_site(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.obs]\npublic_url = "https://obs.example.org/"\ngrafana_url = "https://g.example.org"\n',
        encoding="utf-8",
    )
    assert load_links(tmp_path) == Links(
        public_url="https://obs.example.org",
        grafana_url="https://g.example.org",
        runbook_base_url="https://obs.example.org/runbooks",
    )
    overridden = load_links(tmp_path, {"OBS_RUNBOOK_BASE_URL": "https://wiki.example.org/rb/"})
    assert overridden.runbook_base_url == "https://wiki.example.org/rb"


def test_a_committed_url_that_is_not_http_is_refused_by_name(tmp_path: Path) -> None:
    config = '[tool.obs]\nrunbook_base_url = "javascript:x"\n'
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    with pytest.raises(ValueError, match=r"\[tool.obs\] runbook_base_url must be an absolute http\(s\) URL"):
        load_links(tmp_path)
    with pytest.raises(ValueError, match="OBS_GRAFANA_URL must be an absolute http"):
        load_links(REPO_ROOT, {"OBS_GRAFANA_URL": "grafana:3000"})


def test_the_service_takes_its_public_and_grafana_urls_from_the_committed_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from observability.config import load_settings

    monkeypatch.delenv("OBS_PUBLIC_URL", raising=False)
    monkeypatch.delenv("OBS_GRAFANA_URL", raising=False)
    settings = load_settings(webhook_allow_unauthenticated=True)
    links = load_links(REPO_ROOT)
    assert (settings.public_url, settings.grafana_url) == (links.public_url, links.grafana_url)
