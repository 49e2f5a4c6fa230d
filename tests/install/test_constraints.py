"""constraints.txt pins the whole dev install: every declared dependency, exactly, and not the project."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO_ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==\S+$")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return {normalised(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]) for requirement in requirements}


def pinned() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            match = PIN.match(line)
            assert match, f"constraints.txt: {line!r} is not an exact pin (make lock writes name==version)"
            pins[normalised(match[1])] = line
    return pins


def test_every_declared_dependency_is_pinned() -> None:
    missing = declared() - pinned().keys()
    assert not missing, f"not in constraints.txt: {', '.join(sorted(missing))}; run `make lock` and commit it"


def test_the_project_itself_is_not_pinned() -> None:
    assert "observability" not in pinned()
