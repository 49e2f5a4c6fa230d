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
    # References are checked against every declared id, valid or not, so one bad person does
    # not also show up as "unknown" in every rotation that names them.
    declared = {section: {_raw_id(item) for item in items} for section, (_, items) in raw.items()}
    files = {section: file for section, (file, _) in raw.items()}
    if "rotations" in parsed and "people" in declared:
        problems += _check_rotations(files["rotations"], declared["people"], parsed["rotations"])
    if "policies" in parsed:
        problems += _check_policies(
            files["policies"],
            declared.get("people"),
            declared.get("rotations"),
            list(parsed["policies"].values()),
            has_default=any(isinstance(item, dict) and not item.get("match") for item in raw["policies"][1]),
        )
    if problems:
        raise MatrixError(problems)
    return Matrix(
        people=parsed["people"], rotations=parsed["rotations"], policies=list(parsed["policies"].values())
    )


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


def _check_rotations(shown: str, people: set[str | None], rotations: dict[str, Rotation]) -> Iterator[str]:
    for rotation in rotations.values():
        for member in rotation.members:
            if member not in people:
                yield f"{shown}: rotation {rotation.id}: member {member!r} is not a person in people.yml"
        for index, override in enumerate(rotation.overrides):
            if override.person not in people:
                yield (
                    f"{shown}: rotation {rotation.id}: overrides[{index}]: person {override.person!r} "
                    "is not a person in people.yml"
                )


def _check_policies(
    shown: str,
    people: set[str | None] | None,
    rotations: set[str | None] | None,
    policies: list[Policy],
    *,
    has_default: bool,
) -> Iterator[str]:
    known = {names.SERVICE: KNOWN_SERVICES, names.SEVERITY: KNOWN_SEVERITIES, names.TEAM: KNOWN_TEAMS}
    default = None
    for policy in policies:
        if default is not None:
            yield (
                f"{shown}: policy {policy.id}: comes after the default policy {default.id!r}, "
                "so it never matches"
            )
        if not policy.match:
            default = default or policy
        for key, wanted in policy.match.items():
            for value in [wanted] if isinstance(wanted, str) else wanted:
                if value not in known[key]:
                    yield (
                        f"{shown}: policy {policy.id}: match.{key}: unknown {key} {value!r} "
                        f"(known: {', '.join(known[key])})"
                    )
        for step_index, step in enumerate(policy.steps):
            for target_index, target in enumerate(step.targets):
                where = f"{shown}: policy {policy.id}: steps[{step_index}].targets[{target_index}]"
                if target.rotation is not None and rotations is not None and target.rotation not in rotations:
                    yield f"{where}: unknown rotation {target.rotation!r} (not in rotations.yml)"
                if target.person is not None and people is not None and target.person not in people:
                    yield f"{where}: unknown person {target.person!r} (not in people.yml)"
    if not has_default:
        yield f"{shown}: no default policy: the last policy must have no `match`, so every incident gets one"
