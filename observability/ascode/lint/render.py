"""Render what the generators would write for a repository, naming the source file when one fails."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from observability.ascode.output import Rendered

from .content import DASHBOARDS_DIR, RULES_DIR
from .problem import Problem

PRODUCTION_PROFILE = "production"
_NAMED_FILE = re.compile(r"^(?P<path>[^\s:]+\.(?:py|json|ya?ml|md)): (?P<message>.+)$", re.DOTALL)
_TRACEBACK_LINES = 12


@dataclass
class Renders:
    """Fresh renders by output folder; a folder whose generator failed is absent and has a problem."""

    by_folder: dict[Path, Rendered] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@contextmanager
def repository(root: Path) -> Iterator[None]:
    """Make `observability.paths.repo_root()` answer `root` while the generators run."""
    previous = os.environ.get("OBS_REPO_ROOT")
    os.environ["OBS_REPO_ROOT"] = str(root)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OBS_REPO_ROOT", None)
        else:
            os.environ["OBS_REPO_ROOT"] = previous


def render_all(root: Path) -> Renders:
    """Dashboards, production alert rules and their Kubernetes resources as generated from `root`."""
    from observability.ascode.dashboards import render_dashboards
    from observability.ascode.kubernetes import GENERATED_DIR as KUBERNETES_DIR
    from observability.ascode.kubernetes import render_kubernetes
    from observability.ascode.rules import render_rules

    generators: dict[Path, Callable[[], Rendered]] = {
        DASHBOARDS_DIR: lambda: render_dashboards(root),
        RULES_DIR: lambda: render_rules(root, profile=PRODUCTION_PROFILE),
    }
    renders = Renders()
    with repository(root):
        for folder, generate in generators.items():
            try:
                renders.by_folder[folder] = dict(generate())
            except Exception as exc:  # any error in content code is a finding, not a crash of the lint
                renders.problems.append(_render_problem(root, folder, exc))
    if DASHBOARDS_DIR in renders.by_folder and RULES_DIR in renders.by_folder:
        # built from the two renders above; when either failed, that failure is the problem to fix
        renders.by_folder[KUBERNETES_DIR] = render_kubernetes(
            renders.by_folder[RULES_DIR], renders.by_folder[DASHBOARDS_DIR]
        )
    return renders


def committed(root: Path, folder: Path) -> Rendered:
    """The files committed in a generated folder, as if rendered (used when the generator fails)."""
    return {
        path.relative_to(root): path.read_text(encoding="utf-8")
        for path in sorted((root / folder).glob("*"))
        if path.is_file()
    }


def _render_problem(root: Path, folder: Path, exc: Exception) -> Problem:
    """Name the content file at fault: from the generator's message, else the deepest frame in it."""
    generated = folder.parent.as_posix()
    message = f"{generated} could not be generated: {type(exc).__name__}: {exc}"
    if isinstance(exc, ValueError) and (match := _NAMED_FILE.match(str(exc))):
        # The generators' own errors (DashboardDefinitionError, AlertSourceError) start with the file.
        return Problem(_relative(match["path"], root), "generator", match["message"])
    where = generated
    resolved_root = root.resolve()
    cause: BaseException | None = exc
    while cause is not None:
        for frame in traceback.extract_tb(cause.__traceback__):
            path = Path(frame.filename).resolve()
            if path.is_relative_to(resolved_root) and not path.is_relative_to(
                resolved_root / "observability"
            ):
                where = f"{path.relative_to(resolved_root).as_posix()}:{frame.lineno}"
        cause = cause.__cause__
    detail = "".join(traceback.format_exception(exc)).rstrip().splitlines()[-_TRACEBACK_LINES:]
    return Problem(where, "generator", message, "\n".join(detail))


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute() and candidate.resolve().is_relative_to(root.resolve()):
        return candidate.resolve().relative_to(root.resolve()).as_posix()
    return path
