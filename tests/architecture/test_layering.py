"""The engine's shape: a pure domain, a composition root nothing imports, no module-level state."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import observability
import observability.incidents

PACKAGE = Path(observability.__file__).parent
# Modules that build the app or a command: they may import the composition root.
COMPOSITION_ROOTS = {"observability/web/app.py", "observability/cli/serve.py"}


def modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(PACKAGE.parent)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_pure_domain_imports_neither_sqlalchemy_nor_fastapi() -> None:
    pure = [
        f"observability.incidents.{m.name}" for m in pkgutil.iter_modules(observability.incidents.__path__)
    ]
    probe = (
        "import importlib, sys\n"
        f"for name in {pure!r}: importlib.import_module(name)\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.split()
    assert len(pure) >= 5  # payload, lifecycle, alert_facts, durations, errors at least
    assert [name for name in ("sqlalchemy", "fastapi", "starlette") if name in loaded] == []


def test_nothing_but_the_composition_roots_imports_the_app_module() -> None:
    importers = [
        path
        for path, tree in modules()
        if "observability.web.app" in imported(tree) and path not in COMPOSITION_ROOTS
    ]
    assert importers == []


def test_settings_import_nothing_from_the_auth_layer() -> None:
    [config] = [tree for path, tree in modules() if path == "observability/config.py"]
    assert sorted(name for name in imported(config) if name.startswith("observability.auth")) == []


def test_no_module_rebinds_a_global() -> None:
    rebinding = [
        f"{path}:{node.lineno}"
        for path, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Global)
    ]
    assert rebinding == []
