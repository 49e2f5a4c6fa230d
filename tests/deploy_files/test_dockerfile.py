"""The Dockerfile: multi-stage, non-root, health-checked, and it copies only what exists."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


def final_stage() -> list[tuple[str, str]]:
    return stages()[-1]


def test_the_image_is_built_in_stages_and_the_runtime_copies_only_the_build_output() -> None:
    assert len(stages()) >= 2
    build_names = {
        rest.split()[-1] for keyword, rest in instructions() if keyword == "FROM" and " AS " in rest
    }
    copies_from = [
        rest for keyword, rest in final_stage() if keyword == "COPY" and rest.startswith("--from=")
    ]
    assert copies_from and all(rest.split()[0].removeprefix("--from=") in build_names for rest in copies_from)
    assert not any(keyword == "RUN" and "pip install" in rest for keyword, rest in final_stage())


def test_the_service_runs_as_a_non_root_user() -> None:
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    assert users, "no USER in the runtime stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user.isdigit(), (
        "run as a numeric non-root uid (runAsNonRoot checks it)"
    )


def test_the_health_check_asks_healthz_and_the_image_serves_on_all_interfaces() -> None:
    (check,) = [rest for keyword, rest in final_stage() if keyword == "HEALTHCHECK"]
    assert "CMD" in check and "/healthz" in check
    (entrypoint,) = [json.loads(rest) for keyword, rest in final_stage() if keyword == "ENTRYPOINT"]
    (command,) = [json.loads(rest) for keyword, rest in final_stage() if keyword == "CMD"]
    assert entrypoint == ["obs"] and command[:1] == ["serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_every_copied_path_exists_and_the_service_finds_its_content() -> None:
    for stage in stages():
        for keyword, rest in stage:
            if keyword == "COPY" and not rest.startswith("--from="):
                *sources, _ = [part for part in shlex.split(rest) if not part.startswith("--")]
                for source in sources:
                    assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"
    copied = {shlex.split(rest)[0].rstrip("/") for keyword, rest in final_stage() if keyword == "COPY"}
    assert {"runbooks", "incident"} <= copied
    env = " ".join(rest for keyword, rest in final_stage() if keyword == "ENV")
    assert "OBS_REPO_ROOT=/app" in env
    assert any(keyword == "WORKDIR" and rest == "/app" for keyword, rest in final_stage())


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = set((REPO_ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var"} <= ignored


def test_the_wheel_ships_the_migrations() -> None:
    """A non-editable install (the image's) must carry the Alembic versions, which are no package."""
    import tomllib

    package_data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    patterns = package_data["observability"]
    versions = sorted(Path(REPO_ROOT / "observability").glob("store/migrations/versions/*.py"))
    assert versions
    assert all(
        any(path.relative_to(REPO_ROOT / "observability").match(p) for p in patterns) for path in versions
    )
