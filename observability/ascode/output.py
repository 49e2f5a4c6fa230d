"""Generated files as data: render to a {relative path: text} map, then write or compare."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

Rendered = Mapping[Path, str]


class BlockYamlDumper(yaml.SafeDumper):
    """Block style for multi-line strings (PromQL, dashboard JSON), so diffs of generated YAML read well."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


BlockYamlDumper.add_representer(str, _represent_str)


def write(rendered: Rendered, root: Path) -> list[Path]:
    """Write every file whose content changed; return the paths written."""
    written = []
    for relative, text in sorted(rendered.items()):
        target = root / relative
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(relative)
    return written


def stale(rendered: Rendered, root: Path, generated_dirs: tuple[Path, ...] = ()) -> list[str]:
    """Differences between what would be generated and what is committed, one line each."""
    problems = []
    for relative, text in sorted(rendered.items()):
        target = root / relative
        if not target.exists():
            problems.append(f"{relative}: missing; run `make generate`")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{relative}: stale (edited by hand or not regenerated); run `make generate`")
    expected = {root / relative for relative in rendered}
    for folder in generated_dirs:
        for path in sorted((root / folder).glob("*")):
            if path.is_file() and path not in expected:
                problems.append(f"{path.relative_to(root)}: not produced by the generator; delete it")
    return problems
