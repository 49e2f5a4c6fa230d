"""docker-compose.yml: the whole stack is there, pinned, health-checked, wired, and its secrets are files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy import make_url

from tests.conftest import REPO_ROOT
from tests.support import binary

from .compose import bind_mounts, command_flags, container_view, environment, load_compose, services

REPLICAS = ("obs-1", "obs-2")
PEERS = ("alertmanager-1", "alertmanager-2", "alertmanager-3")
STACK = ("postgres", "lb", "prometheus", "grafana", "otel-collector", *REPLICAS, *PEERS)
# Services without a healthcheck, and why (every other one must have one).
NO_HEALTHCHECK = {
    "obs-migrate": "a one-shot job the replicas wait on (service_completed_successfully)",
    "otel-collector": "a scratch image without a shell or HTTP client; Prometheus scrapes it",
}
SECRET_WORDS = re.compile(r"PASSWORD|TOKEN|SECRET|DATABASE_URL|CREDENTIAL", re.IGNORECASE)
WEBHOOK_TOKEN_PATH = "/run/secrets/webhook_token"


def test_every_part_of_the_stack_is_a_service() -> None:
    assert set(STACK) <= set(services())


def test_every_image_is_pinned_to_a_version() -> None:
    for name, service in services().items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and re.search(r"\d", tag) and tag != "latest", (
            f"{name}: image {image} is not pinned"
        )


def test_the_replicas_are_built_from_the_dockerfile_as_one_image() -> None:
    replicas = [services()[name] for name in (*REPLICAS, "obs-migrate")]
    assert all(service["build"] == "." for service in replicas)
    assert len({service["image"] for service in replicas}) == 1
    assert (REPO_ROOT / "Dockerfile").is_file()


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in services().items():
        check = service.get("healthcheck") or {}
        if name in NO_HEALTHCHECK:
            assert check.get("disable") is True, f"{name}: listed as without a healthcheck"
            continue
        assert check.get("test") and not check.get("disable"), f"{name}: no healthcheck"
        assert check["test"][0] == "CMD", f"{name}: healthcheck must exec a command"


def test_replicas_are_checked_on_readiness_and_wait_for_postgres_and_the_migration() -> None:
    for name in REPLICAS:
        service = services()[name]
        assert any("/readyz" in part for part in service["healthcheck"]["test"]), name
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["obs-migrate"]["condition"] == "service_completed_successfully"
    assert services()["obs-migrate"]["command"] == ["migrate"]


def test_every_bind_mount_points_at_a_file_in_the_repository() -> None:
    mounted = 0
    for name, service in services().items():
        for mount in bind_mounts(service):
            assert mount.source.exists(), f"{name}: {mount.source} does not exist"
            assert mount.source.resolve().is_relative_to(REPO_ROOT), f"{name}: {mount.source} is outside"
            mounted += 1
    assert mounted >= 8


def test_no_secret_is_written_inline() -> None:
    for name, service in services().items():
        for key, value in environment(service).items():
            if SECRET_WORDS.search(key):
                assert key.endswith("_FILE"), f"{name}: {key} holds a secret inline; use {key}_FILE"
                assert value.startswith("/run/secrets/"), f"{name}: {key}={value} is not a mounted secret"
                assert value.removeprefix("/run/secrets/") in service.get("secrets", []), (
                    f"{name}: {key} names a secret the service does not mount"
                )
    for secret, definition in load_compose()["secrets"].items():
        assert set(definition) == {"file"}, f"secret {secret} must come from a file"
        assert definition["file"].startswith("./var/secrets/"), f"secret {secret}: {definition['file']}"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/secrets/webhook_token"], cwd=REPO_ROOT, check=False
    )
    assert ignored.returncode == 0, "var/secrets/ must be ignored by git"


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The secrets deploy/compose-secrets.sh creates."""
    folder = tmp_path_factory.mktemp("secrets") / "var" / "secrets"
    subprocess.run(
        ["sh", str(REPO_ROOT / "deploy/compose-secrets.sh"), str(folder)], check=True, capture_output=True
    )
    return folder


def test_the_secrets_script_makes_every_secret_the_stack_mounts_and_keeps_them(secrets: Path) -> None:
    for secret, definition in load_compose()["secrets"].items():
        path = secrets / Path(definition["file"]).name
        assert path.is_file() and path.read_text().strip(), f"{secret} not created"
    before = {path.name: path.read_text() for path in secrets.iterdir()}
    subprocess.run(
        ["sh", str(REPO_ROOT / "deploy/compose-secrets.sh"), str(secrets)], check=True, capture_output=True
    )
    assert {path.name: path.read_text() for path in secrets.iterdir()} == before


def test_both_replicas_use_the_one_postgres_database_with_its_password(secrets: Path) -> None:
    url = make_url((secrets / "database_url").read_text().strip())
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "postgres" and url.host in services()
    assert url.password == (secrets / "postgres_password").read_text().strip()
    postgres = environment(services()["postgres"])
    assert (url.username, url.database) == (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"])
    for name in REPLICAS:
        assert environment(services()[name])["OBS_DATABASE_URL_FILE"] == "/run/secrets/database_url"


def test_the_api_tokens_secret_holds_the_hash_of_the_token_the_script_printed(
    tmp_path: Path,
) -> None:
    from observability.auth.tokens import hash_token, parse_configured_tokens

    folder = tmp_path / "secrets"
    printed = subprocess.run(
        ["sh", str(REPO_ROOT / "deploy/compose-secrets.sh"), str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    token = printed.strip().rsplit(" ", 1)[-1]
    (configured,) = parse_configured_tokens((folder / "api_tokens").read_text().strip())
    assert (configured.name, configured.role.value) == ("responder", "responder")
    assert configured.token_hash == hash_token(token) and token not in (folder / "api_tokens").read_text()


def test_alertmanager_peers_form_one_cluster() -> None:
    for name in PEERS:
        service = services()[name]
        assert command_flags(service, "--cluster.listen-address") == ["0.0.0.0:9094"]
        assert sorted(command_flags(service, "--cluster.peer")) == [
            f"{peer}:9094" for peer in PEERS if peer != name
        ]
        assert WEBHOOK_TOKEN_PATH.removeprefix("/run/secrets/") in service["secrets"]


def _config(service: dict[str, Any], target: str) -> Path:
    (source,) = [mount.source for mount in bind_mounts(service) if mount.target == target]
    return source


def test_alertmanager_config_passes_amtool_and_posts_to_the_load_balancer_with_the_token_file() -> None:
    service = services()[PEERS[0]]
    (config_flag,) = command_flags(service, "--config.file")
    config = _config(service, config_flag)
    result = subprocess.run([binary("amtool"), "check-config", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    document = yaml.safe_load(config.read_text())
    (receiver,) = [r for r in document["receivers"] if r["name"] == document["route"]["receiver"]]
    (webhook,) = receiver["webhook_configs"]
    url = urlsplit(webhook["url"])
    assert url.hostname == "lb" and url.path == "/api/v1/webhooks/alertmanager"
    assert str(url.port) in " ".join(services()["lb"]["ports"][0].split(":")[1:])
    assert webhook["http_config"]["authorization"]["credentials_file"] == WEBHOOK_TOKEN_PATH
    assert "credentials" not in webhook["http_config"]["authorization"]
    assert all(_config(services()[peer], config_flag) == config for peer in PEERS)


def test_prometheus_config_passes_promtool_with_every_generated_rule_file(tmp_path: Path) -> None:
    service = services()["prometheus"]
    (config_flag,) = command_flags(service, "--config.file")
    root = container_view(service, tmp_path)
    config = root / config_flag.lstrip("/")
    result = subprocess.run(
        [binary("promtool"), "check", "config", str(config)], capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    generated = sorted(path.name for path in (REPO_ROOT / "alerts/generated").glob("*.rules.yml"))
    assert f"SUCCESS: {len(generated)} rule files found" in output, output
    for name in generated:
        assert re.search(rf"Checking .*/{re.escape(name)}\n\s+SUCCESS: \d+ rules found", output), name


def test_prometheus_scrapes_each_replica_and_alerts_every_peer() -> None:
    document = yaml.safe_load(_config(services()["prometheus"], "/etc/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in document["scrape_configs"]}
    assert jobs["obs"]["static_configs"][0]["targets"] == [f"{name}:8080" for name in REPLICAS]
    targets = document["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == [f"{peer}:9093" for peer in PEERS]


def test_haproxy_config_is_valid_and_balances_the_replicas_on_readiness() -> None:
    config = _config(services()["lb"], "/usr/local/etc/haproxy/haproxy.cfg")
    result = subprocess.run([binary("haproxy"), "-c", "-f", str(config)], capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Configuration file is valid" in output, output
    warnings = [line for line in output.splitlines() if "[WARNING]" in line]
    # the replicas' names resolve only inside the compose network (init-addr none lets it start)
    assert all("could not resolve address" in line for line in warnings), warnings
    text = config.read_text()
    servers = re.findall(r"^\s+server (\S+) (\S+)(.*)$", text, re.MULTILINE)
    assert [(name, address) for name, address, _ in servers if "backup" not in _] == [
        (n, f"{n}:8080") for n in REPLICAS
    ]
    # the fail-open backups are the same replicas, unchecked
    assert [address for _, address, options in servers if "backup" in options] == [
        f"{n}:8080" for n in REPLICAS
    ]
    assert "option httpchk GET /readyz" in text


def test_grafana_loads_the_generated_dashboards_through_the_committed_provisioning() -> None:
    service = services()["grafana"]
    mounts = {mount.target: mount.source for mount in bind_mounts(service)}
    (provisioning_target,) = [
        t for t, s in mounts.items() if s == REPO_ROOT / "dashboards/provisioning/dashboards.yml"
    ]
    assert provisioning_target.startswith("/etc/grafana/provisioning/dashboards/")
    provisioning = yaml.safe_load((REPO_ROOT / "dashboards/provisioning/dashboards.yml").read_text())
    (provider,) = provisioning["providers"]
    assert mounts[provider["options"]["path"]] == REPO_ROOT / "dashboards/generated"
    (datasources_file,) = [
        s for t, s in mounts.items() if t.startswith("/etc/grafana/provisioning/datasources/")
    ]
    (datasource,) = yaml.safe_load(datasources_file.read_text())["datasources"]
    assert urlsplit(datasource["url"]).hostname == "prometheus" and datasource["type"] == "prometheus"


def test_the_collector_runs_the_committed_config() -> None:
    service = services()["otel-collector"]
    (config_flag,) = command_flags(service, "--config")
    assert _config(service, config_flag) == REPO_ROOT / "otel-collector/config.yaml"
    assert environment(service)["OTEL_COLLECTOR_HOST"] == "0.0.0.0"  # reachable from the other containers
    assert environment(services()["obs-1"])["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
