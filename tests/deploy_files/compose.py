"""docker-compose.yml as data, and a service's filesystem as its bind mounts would make it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"


@dataclass(frozen=True)
class BindMount:
    source: Path  # in the repository
    target: str  # in the container


def load_compose() -> dict[str, Any]:
    """The compose file with its YAML anchors and `<<` merges resolved (as `docker compose` reads it)."""
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


def services() -> dict[str, dict[str, Any]]:
    return dict(load_compose()["services"])


def bind_mounts(service: dict[str, Any]) -> list[BindMount]:
    """The service's `./path:/target[:ro]` volumes (named volumes are left out)."""
    mounts = []
    for volume in service.get("volumes") or []:
        source, target = str(volume).split(":")[:2]
        if source.startswith("./"):
            mounts.append(BindMount(REPO_ROOT / source[2:], target))
    return mounts


def container_view(service: dict[str, Any], root: Path) -> Path:
    """Copy every bind mount of `service` under `root` at its container path; return `root`."""
    for mount in bind_mounts(service):
        destination = root / mount.target.lstrip("/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        if mount.source.is_dir():
            shutil.copytree(mount.source, destination)
        else:
            shutil.copy(mount.source, destination)
    return root


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(key): str(value) for key, value in env.items()}


def command_flags(service: dict[str, Any], flag: str) -> list[str]:
    """Values of `--flag=value` in the service's command."""
    prefix = f"{flag}="
    return [arg.removeprefix(prefix) for arg in service.get("command") or [] if arg.startswith(prefix)]
