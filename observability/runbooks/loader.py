"""Read runbook files: YAML front matter between `---` lines, then the markdown body."""

from __future__ import annotations

from pathlib import Path

import yaml

from observability.runbooks.model import Runbook, slug_of

INDEX_FILE = "index.md"  # the on-call landing page, not a runbook
_FENCE = "---"


def load_runbooks(root: Path) -> dict[str, Runbook]:
    """Every runbook under `root` (not recursive, `index.md` excluded), keyed by slug."""
    return {
        slug_of(path): load_runbook(path, root)
        for path in sorted(root.glob("*.md"))
        if path.name != INDEX_FILE
    }


def load_runbook(path: Path, root: Path | None = None) -> Runbook:
    """One runbook; a file that cannot be read or parsed carries its error as `parse_error`."""
    source = _display_name(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Runbook(slug_of(path), source, parse_error=f"cannot read: {exc}")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        return Runbook(
            slug_of(path), source, body=text, parse_error="no front matter (first line must be `---`)"
        )
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == _FENCE), None)
    if end is None:
        return Runbook(
            slug_of(path), source, body=text, parse_error="front matter is not closed by a `---` line"
        )
    body = "".join(lines[end + 1 :])
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        return Runbook(slug_of(path), source, body=body, parse_error=_yaml_problem(exc))
    if not isinstance(meta, dict):
        return Runbook(slug_of(path), source, body=body, parse_error="front matter must be a YAML mapping")
    return Runbook(slug_of(path), source, meta=meta, body=body)


def _display_name(path: Path, root: Path | None) -> str:
    """`runbooks/api-down.md`: the file as people find it in the repository."""
    folder = (root or path.parent).name
    return f"{folder}/{path.name}" if folder else path.name


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """`front matter is not valid YAML (line 3: mapping values are not allowed here)`."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "cannot parse"
    # +2: the opening `---` is line 1 of the file, and marks count from 0.
    where = f"line {mark.line + 2}: " if mark is not None else ""
    return f"front matter is not valid YAML ({where}{problem})"
