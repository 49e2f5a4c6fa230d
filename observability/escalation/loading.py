"""Read the matrix from YAML and report every problem as one line: file, item, what is wrong.

The matrix is either a directory holding `people.yml`, `rotations.yml` and `escalation.yml`
(the shipped layout, `incident/`), or one YAML file with the three top-level keys
`people`, `rotations` and `policies`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from observability.catalog import SERVICES, names
from observability.escalation.matrix import Matrix, Person, Policy, Rotation

# section -> (file in a matrix directory, model, what one item is called in messages)
SECTIONS: dict[str, tuple[str, type[BaseModel], str]] = {
    "people": ("people.yml", Person, "person"),
    "rotations": ("rotations.yml", Rotation, "rotation"),
    "policies": ("escalation.yml", Policy, "policy"),
}
KNOWN_SERVICES = tuple(service.name for service in SERVICES)
KNOWN_TEAMS = tuple(sorted({service.team for service in SERVICES}))
KNOWN_SEVERITIES = (*names.SEVERITIES, names.NONE)
POLICIES_FILE = "escalation.yml"
# Beside the policies: the severities whose incidents get a review draft when they resolve.
REVIEW_SEVERITIES = "review_severities"


class MatrixError(Exception):
    """The matrix is invalid; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid escalation matrix:\n" + "\n".join(problems))
        self.problems = problems


def load_matrix(path: Path | str) -> Matrix:
    """The validated matrix at `path` (directory or single file), or MatrixError listing every problem."""
    path = Path(path)
    problems: list[str] = []
    raw = _read_sections(path, problems)
    parsed: dict[str, dict[str, Any]] = {}
    for section, (file, items) in raw.items():
        parsed[section] = _validate_items(section, file, items, problems)
    # References are checked on the raw items against every declared id, valid or not: a bad
    # item still has its references checked, and one bad person is not also "unknown" elsewhere.
    declared = {section: {_raw_id(item) for item in items} for section, (_, items) in raw.items()}
    if "rotations" in raw and "people" in declared:
        problems += _check_rotations(*raw["rotations"], declared["people"])
    if "policies" in raw:
        problems += _check_policies(*raw["policies"], declared.get("people"), declared.get("rotations"))
    review_severities = _review_severities(path, problems)
    if problems:
        # Grouped by file, in people, rotations, policies order (stable within a file).
        order = [shown for shown, _ in raw.values()]
        problems.sort(
            key=lambda line: next((i for i, shown in enumerate(order) if line.startswith(shown)), 0)
        )
        raise MatrixError(problems)
    return Matrix(
        people=parsed["people"],
        rotations=parsed["rotations"],
        policies=list(parsed["policies"].values()),
        review_severities=review_severities,
    )


def _review_severities(path: Path, problems: list[str]) -> list[str]:
    """The `review_severities` list beside the policies (none: no automatic drafts)."""
    source = path / POLICIES_FILE if path.is_dir() else path
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []  # already reported by _read_sections
    value = document.get(REVIEW_SEVERITIES) if isinstance(document, dict) else None
    if value is None:
        return []
    shown = _display(source)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{shown}: {REVIEW_SEVERITIES}: expected a list of severities such as [critical]")
        return []
    for item in value:
        if item not in KNOWN_SEVERITIES:
            known = ", ".join(KNOWN_SEVERITIES)
            problems.append(f"{shown}: {REVIEW_SEVERITIES}: unknown severity {item!r} (known: {known})")
    return [item for item in value if item in KNOWN_SEVERITIES]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_sections(path: Path, problems: list[str]) -> dict[str, tuple[str, list[Any]]]:
    """{section: (file shown in messages, raw items)} for every section that could be read."""
    if path.is_dir():
        sources = {section: path / filename for section, (filename, _, _) in SECTIONS.items()}
    elif path.is_file():
        sources = dict.fromkeys(SECTIONS, path)
    else:
        problems.append(f"{_display(path)}: no such file or directory")
        return {}
    documents: dict[Path, dict[str, Any]] = {}
    result = {}
    for section, source in sources.items():
        shown = _display(source)
        if source not in documents:
            document = _read_yaml(source, shown, problems)
            if document is None:
                continue
            expected = set(SECTIONS) if path.is_file() else {section}
            if SECTIONS[section][0] == POLICIES_FILE or path.is_file():
                expected.add(REVIEW_SEVERITIES)
            for key in sorted(set(document) - expected):
                problems.append(
                    f"{shown}: unknown top-level key {key!r} (expected {', '.join(sorted(expected))})"
                )
            documents[source] = document
        items = documents[source].get(section)
        if not isinstance(items, list) or not items:
            problems.append(f"{shown}: needs a non-empty list under the top-level key {section!r}")
            continue
        result[section] = (shown, items)
    return result


def _read_yaml(source: Path, shown: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{shown}: missing")
        return None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        problems.append(f"{shown}:{line} not valid YAML: {getattr(exc, 'problem', exc)}")
        return None
    if not isinstance(document, dict):
        problems.append(f"{shown}: expected a mapping at the top level")
        return None
    return document


def _raw_id(item: object) -> str | None:
    ident = item.get("id") if isinstance(item, dict) else None
    return ident if isinstance(ident, str) and ident else None


def _item_name(kind: str, index: int, item: object) -> str:
    ident = _raw_id(item)
    return f"{kind} {ident}" if ident else f"{kind} #{index + 1}"


def _validate_items(section: str, shown: str, items: list[Any], problems: list[str]) -> dict[str, Any]:
    _, model, kind = SECTIONS[section]
    valid: dict[str, Any] = {}
    for index, item in enumerate(items):
        name = _item_name(kind, index, item)
        try:
            parsed = model.model_validate(item)
        except ValidationError as exc:
            for error in exc.errors():
                where = _location(error["loc"])
                message = str(error["msg"]).removeprefix("Value error, ")
                problems.append(f"{shown}: {name}: {where + ': ' if where else ''}{message}")
            continue
        ident = parsed.id  # type: ignore[attr-defined]
        if ident in valid:
            problems.append(f"{shown}: {name}: the id {ident!r} is used twice")
        valid[ident] = parsed
    return valid


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _check_rotations(shown: str, items: list[Any], people: set[str | None]) -> Iterator[str]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        name = _item_name("rotation", index, item)
        for member in _strings(item.get("members")):
            if member not in people:
                yield f"{shown}: {name}: member {member!r} is not a person in people.yml"
        for number, override in enumerate(_dicts(item.get("overrides"))):
            person = override.get("person")
            if isinstance(person, str) and person not in people:
                yield f"{shown}: {name}: overrides[{number}]: person {person!r} is not a person in people.yml"


def _check_policies(
    shown: str, items: list[Any], people: set[str | None] | None, rotations: set[str | None] | None
) -> Iterator[str]:
    known = {names.SERVICE: KNOWN_SERVICES, names.SEVERITY: KNOWN_SEVERITIES, names.TEAM: KNOWN_TEAMS}
    default = None
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        name = _item_name("policy", index, item)
        if default is not None:
            yield f"{shown}: {name}: comes after the default policy {default!r}, so it never matches"
        match = item.get("match")
        if not match:
            default = default or _raw_id(item) or f"#{index + 1}"
        for key, wanted in match.items() if isinstance(match, dict) else ():
            for value in _strings(wanted) if key in known else ():
                if value not in known[key]:
                    choices = ", ".join(known[key])
                    yield f"{shown}: {name}: match.{key}: unknown {key} {value!r} (known: {choices})"
        for step_index, step in enumerate(_dicts(item.get("steps"))):
            for target_index, target in enumerate(_dicts(step.get("targets"))):
                where = f"{shown}: {name}: steps[{step_index}].targets[{target_index}]"
                rotation, person = target.get("rotation"), target.get("person")
                if isinstance(rotation, str) and rotations is not None and rotation not in rotations:
                    yield f"{where}: unknown rotation {rotation!r} (not in rotations.yml)"
                if isinstance(person, str) and people is not None and person not in people:
                    yield f"{where}: unknown person {person!r} (not in people.yml)"
    if default is None:
        yield f"{shown}: no default policy: the last policy must have no `match`, so every incident gets one"
