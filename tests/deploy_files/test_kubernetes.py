"""The Kubernetes manifests: valid against their schemas, wired to each other, generated parts fresh."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from observability.ascode.kubernetes import GENERATED_DIR, render_kubernetes
from observability.ascode.lint.render import committed
from observability.cli import main
from tests.conftest import REPO_ROOT
from tests.support import binary

KUBERNETES = REPO_ROOT / "deploy/kubernetes"
CUSTOM_KINDS = {"PrometheusRule", "ServiceMonitor"}  # CRDs: checked by promtool and by structure
SCHEMA_VERSION = "1.30"  # oldest Kubernetes the manifests target


def manifests() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(KUBERNETES.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                found.append((path, document))
    return found


def resource(kind: str, folder: Path = KUBERNETES) -> dict[str, Any]:
    (found,) = [doc for path, doc in manifests() if doc["kind"] == kind and path.parent == folder]
    return found


@pytest.mark.parametrize("version", [SCHEMA_VERSION, "1.37"])
def test_every_manifest_is_valid_against_the_kubernetes_schema(version: str) -> None:
    import kubernetes_validate

    checked = 0
    for path, document in manifests():
        if document["kind"] in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(
                f"{path.relative_to(REPO_ROOT)}: {document['kind']}: {exc.message} at {list(exc.path)}"
            )
        checked += 1
    assert checked >= 10  # Deployment, Service, PDB and one ConfigMap per dashboard


def test_the_schema_check_refuses_a_broken_probe() -> None:
    import kubernetes_validate

    deployment = resource("Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = {"x": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, SCHEMA_VERSION, strict=True)


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_readiness_asks_readyz_and_liveness_asks_healthz_on_the_served_port() -> None:
    container = _container(resource("Deployment"))
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    args = container["args"]
    assert args[0] == "serve" and int(args[args.index("--port") + 1]) == ports["http"]


def test_rolling_updates_keep_every_replica_and_the_budget_keeps_one() -> None:
    deployment = resource("Deployment")
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    budget = resource("PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1
    for selector in (
        budget["spec"]["selector"]["matchLabels"],
        deployment["spec"]["selector"]["matchLabels"],
    ):
        assert selector.items() <= pod_labels.items()
    service = resource("Service")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    monitor = resource("ServiceMonitor")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]


def test_the_schema_is_migrated_before_the_new_version_serves() -> None:
    spec = resource("Deployment")["spec"]["template"]["spec"]
    (migrate,) = spec["initContainers"]
    assert migrate["args"] == ["migrate"] and migrate["image"] == _container(resource("Deployment"))["image"]


def test_secrets_reach_the_pods_as_files_of_a_secret_never_as_values() -> None:
    spec = resource("Deployment")["spec"]["template"]["spec"]
    secret_volumes = {v["name"]: v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
    assert secret_volumes
    for container in [*spec["initContainers"], *spec["containers"]]:
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        env = {e["name"]: e for e in container["env"]}
        assert "OBS_DATABASE_URL_FILE" in env
        for name, entry in env.items():
            if any(word in name for word in ("TOKEN", "PASSWORD", "SECRET", "DATABASE_URL")):
                assert name.endswith("_FILE"), f"{container['name']}: {name} must be a _FILE"
                folder = str(Path(entry["value"]).parent)
                assert mounts.get(folder) in secret_volumes, (
                    f"{name}: {entry['value']} is not in a Secret volume"
                )
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert spec["securityContext"]["runAsNonRoot"] is True


def test_prometheus_rules_hold_the_generated_rule_files_and_pass_promtool(tmp_path: Path) -> None:
    rule_files = sorted((REPO_ROOT / "alerts/generated").glob("*.rules.yml"))
    for rule_file in rule_files:
        group = rule_file.name.removesuffix(".rules.yml")
        rule = yaml.safe_load((REPO_ROOT / GENERATED_DIR / f"prometheusrule-{group}.yaml").read_text())
        assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
        assert rule["metadata"]["labels"]["role"] == "alert-rules"
        assert rule["spec"] == yaml.safe_load(rule_file.read_text())
        (tmp_path / rule_file.name).write_text(yaml.safe_dump(rule["spec"]))
    result = subprocess.run(
        [binary("promtool"), "check", "rules", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(rule_files)


def test_dashboard_config_maps_hold_the_generated_dashboards_for_the_grafana_sidecar() -> None:
    dashboards = sorted((REPO_ROOT / "dashboards/generated").glob("*.json"))
    for dashboard in dashboards:
        config_map = yaml.safe_load(
            (REPO_ROOT / GENERATED_DIR / f"dashboard-{dashboard.stem}.yaml").read_text()
        )
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["data"] == {dashboard.name: dashboard.read_text()}
        json.loads(config_map["data"][dashboard.name])
        # kubectl apply keeps a copy in an annotation, limited to 256 KiB
        assert len(config_map["data"][dashboard.name].encode()) < 250_000


def test_the_kustomizations_list_every_manifest() -> None:
    top = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    own = {path.name for path, _ in manifests() if path.parent == KUBERNETES}
    assert set(top["resources"]) == own | {"generated"}
    generated = yaml.safe_load((REPO_ROOT / GENERATED_DIR / "kustomization.yaml").read_text())
    assert set(generated["resources"]) == {p.name for p in (REPO_ROOT / GENERATED_DIR).glob("*.yaml")} - {
        "kustomization.yaml"
    }


def test_the_committed_kubernetes_resources_are_what_the_generator_makes() -> None:
    rendered = render_kubernetes(
        committed(REPO_ROOT, Path("alerts/generated")), committed(REPO_ROOT, Path("dashboards/generated"))
    )
    assert rendered == committed(REPO_ROOT, GENERATED_DIR)


def test_obs_generate_all_writes_them_and_obs_check_fails_when_one_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    for folder in ("alerts", "dashboards", "runbooks"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(tmp_path / "dashboards/generated")
    from observability.ascode.lint.render import repository

    with repository(tmp_path):
        assert main(["generate", "all"]) == 0
    assert committed(tmp_path, GENERATED_DIR) == committed(REPO_ROOT, GENERATED_DIR)
    assert main(["check", "--root", str(tmp_path), "--skip-promtool"]) == 0
    stale = tmp_path / GENERATED_DIR / "dashboard-api.yaml"
    stale.write_text(stale.read_text().replace("grafana_dashboard: '1'", "grafana_dashboard: '0'"))
    capsys.readouterr()
    assert main(["check", "--root", str(tmp_path), "--skip-promtool"]) == 1
    assert (
        "deploy/kubernetes/generated/dashboard-api.yaml: generated file: stale (edited by hand or not "
        "regenerated); run `make generate`" in capsys.readouterr().out
    )
