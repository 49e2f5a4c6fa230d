"""The project's own `obs` commands the stack runs: fast-profile rules and an incident-API token."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


class ObsCommandFailed(RuntimeError):
    """An `obs` subcommand exited non-zero; the message carries its stderr."""


def _obs(args: list[str], env: Mapping[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "observability.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if result.returncode != 0:
        raise ObsCommandFailed(
            f"obs {' '.join(args)} failed:\n{(result.stderr or result.stdout).strip()[-800:]}"
        )
    return result.stdout


def incident_service_available() -> bool:
    from observability.cli import COMMANDS

    return "serve" in COMMANDS


def generate_fast_rules(out: Path, runbook_base_url: str | None = None) -> Path:
    """`obs generate alerts --profile fast --out OUT`; returns the folder of the rule files.

    `runbook_base_url` (e.g. the stack's own service + `/runbooks`) is where the rules' runbook links point.
    """
    env = {"OBS_RUNBOOK_BASE_URL": runbook_base_url} if runbook_base_url else None
    _obs(["generate", "alerts", "--profile", "fast", "--out", str(out)], env)
    return out / "alerts" / "generated"


def create_api_token(env: Mapping[str, str], path: Path) -> str:
    """A responder token in the incident service's database (env OBS_DATABASE_URL), also kept at `path`."""
    lines = _obs(["token", "create", "--role", "responder", "--name", "demo"], env).strip().splitlines()
    if not lines:
        raise ObsCommandFailed("obs token create printed no token")
    path.write_text(lines[-1], encoding="utf-8")
    path.chmod(0o600)
    return lines[-1]
