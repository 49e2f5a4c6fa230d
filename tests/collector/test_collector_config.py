"""The OpenTelemetry Collector config is structurally valid (the collector binary is not installable here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

CONFIG = Path(__file__).resolve().parents[2] / "otel-collector" / "config.yaml"
SIGNALS = ("traces", "metrics", "logs")
SECTIONS = ("receivers", "processors", "exporters")


def component_type(component_id: str) -> str:
    """`otlphttp/tempo` → `otlphttp`: a component id is `type[/name]`."""
    return component_id.split("/", 1)[0]


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    loaded = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def pipelines(config: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return config["service"]["pipelines"]


def test_exactly_one_pipeline_per_signal(pipelines: dict[str, dict[str, list[str]]]) -> None:
    signals = sorted(component_type(pipeline_id) for pipeline_id in pipelines)
    assert signals == sorted(SIGNALS)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_component_a_pipeline_names_is_defined(
    config: dict[str, Any], pipelines: dict[str, dict[str, list[str]]], section: str
) -> None:
    defined = set(config.get(section) or {})
    for pipeline_id, pipeline in pipelines.items():
        assert pipeline.get(section), f"pipeline {pipeline_id} has no {section}"
        undefined = set(pipeline[section]) - defined
        assert not undefined, f"pipeline {pipeline_id} names undefined {section}: {sorted(undefined)}"


@pytest.mark.parametrize("section", SECTIONS)
def test_every_defined_component_is_used(
    config: dict[str, Any], pipelines: dict[str, dict[str, list[str]]], section: str
) -> None:
    used = {component for pipeline in pipelines.values() for component in pipeline[section]}
    assert set(config[section]) - used == set()


def test_memory_limiter_first_and_batch_last_in_every_pipeline(
    pipelines: dict[str, dict[str, list[str]]],
) -> None:
    for pipeline_id, pipeline in pipelines.items():
        kinds = [component_type(processor) for processor in pipeline["processors"]]
        assert kinds[0] == "memory_limiter", f"{pipeline_id}: memory_limiter must come first, got {kinds}"
        assert kinds[-1] == "batch", f"{pipeline_id}: batch must come last, got {kinds}"


def test_otlp_receiver_listens_on_grpc_4317_and_http_4318(config: dict[str, Any]) -> None:
    protocols = config["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"].endswith(":4317")
    assert protocols["http"]["endpoint"].endswith(":4318")


def test_metrics_go_to_prometheus_and_traces_and_logs_to_the_otlp_backend(
    pipelines: dict[str, dict[str, list[str]]],
) -> None:
    exporters = {
        component_type(pipeline_id): {component_type(e) for e in pipeline["exporters"]}
        for pipeline_id, pipeline in pipelines.items()
    }
    assert {"prometheus", "debug"} <= exporters["metrics"]
    for signal in ("traces", "logs"):
        assert exporters[signal] & {"otlp", "otlphttp"}, f"{signal} has no OTLP backend exporter"
        assert "debug" in exporters[signal]


def test_backend_endpoint_comes_from_the_environment(config: dict[str, Any]) -> None:
    backends = [
        settings["endpoint"]
        for exporter_id, settings in config["exporters"].items()
        if component_type(exporter_id) in ("otlp", "otlphttp")
    ]
    assert backends
    assert all(endpoint.startswith("${env:OTEL_BACKEND_ENDPOINT") for endpoint in backends)


def test_health_check_extension_is_defined_and_enabled(config: dict[str, Any]) -> None:
    assert "health_check" in config["extensions"]
    assert set(config["service"]["extensions"]) <= set(config["extensions"])
    assert "health_check" in config["service"]["extensions"]


def test_environment_references_use_the_env_provider_syntax() -> None:
    # `$VAR` and `${VAR}` are deprecated in the collector's confmap; `${env:VAR[:-default]}` is not.
    text = CONFIG.read_text(encoding="utf-8")
    references = re.findall(r"\$\{?[^\s}]*\}?", text)
    assert references
    bad = [ref for ref in references if not re.fullmatch(r"\$\{env:[A-Z_][A-Z0-9_]*(:-[^}]*)?\}", ref)]
    assert not bad, f"use ${{env:NAME}}: {bad}"
