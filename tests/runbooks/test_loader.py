"""The loader and `Runbook.problems()`: each defect reported once, naming the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from observability.runbooks import INDEX_FILE, SECTIONS, load_runbooks
from observability.runbooks.model import RESERVED_SLUGS

FRONT_MATTER = {
    "title": "API is down",
    "alerts": "[PlatformApiDown]",
    "service": "api",
    "severity": "critical",
    "team": "platform",
    "dashboards": "[obs-api]",
}


def write_runbook(
    folder: Path,
    slug: str = "api-down",
    *,
    drop_key: str = "",
    sections: tuple[str, ...] = SECTIONS,
    **overrides: str,
) -> Path:
    meta = {**FRONT_MATTER, **overrides}
    front = "".join(f"{key}: {value}\n" for key, value in meta.items() if key != drop_key)
    body = "".join(f"## {title}\n\nSomething concrete about {title.lower()}.\n\n" for title in sections)
    path = folder / f"{slug}.md"
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "runbooks"
    path.mkdir()
    return path


def problems(folder: Path, slug: str = "api-down") -> list[str]:
    return load_runbooks(folder)[slug].problems()


def test_a_complete_runbook_loads_with_its_front_matter_and_no_problems(folder: Path) -> None:
    write_runbook(folder)
    runbook = load_runbooks(folder)["api-down"]
    assert runbook.problems() == []
    assert (runbook.title, runbook.alerts, runbook.service, runbook.severity, runbook.team) == (
        "API is down",
        ["PlatformApiDown"],
        "api",
        "critical",
        "platform",
    )
    assert runbook.dashboards == ["obs-api"]
    assert runbook.sections == list(SECTIONS)


def test_runbooks_are_keyed_by_slug_and_the_index_is_not_one(folder: Path) -> None:
    write_runbook(folder, "api-down")
    write_runbook(folder, "node-disk", service="node", team="sre", dashboards="[obs-resources]")
    (folder / INDEX_FILE).write_text("# On-call runbooks\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not markdown", encoding="utf-8")
    assert sorted(load_runbooks(folder)) == ["api-down", "node-disk"]


@pytest.mark.parametrize("missing", SECTIONS)
def test_a_missing_section_is_reported_with_the_file_name(folder: Path, missing: str) -> None:
    write_runbook(folder, sections=tuple(title for title in SECTIONS if title != missing))
    assert problems(folder) == [f"runbooks/api-down.md: missing section `## {missing}`"]


@pytest.mark.parametrize("missing", list(FRONT_MATTER))
def test_a_missing_front_matter_key_is_reported_with_the_file_name(folder: Path, missing: str) -> None:
    write_runbook(folder, drop_key=missing)
    assert problems(folder) == [f"runbooks/api-down.md: front matter lacks `{missing}`"]


def test_sections_out_of_order_are_reported(folder: Path) -> None:
    write_runbook(folder, sections=("Meaning", "Impact", "Mitigation", "Diagnosis", "Escalation"))
    assert problems(folder) == [
        "runbooks/api-down.md: sections out of order: Meaning, Impact, Mitigation, Diagnosis, Escalation; "
        "expected Meaning, Impact, Diagnosis, Mitigation, Escalation"
    ]


def test_an_extra_top_level_section_and_a_repeated_one_are_reported(folder: Path) -> None:
    write_runbook(folder, sections=(*SECTIONS, "Notes", "Impact"))
    assert problems(folder) == [
        "runbooks/api-down.md: unexpected section `## Notes` "
        "(use `###` below one of Meaning, Impact, Diagnosis, Mitigation, Escalation)",
        "runbooks/api-down.md: section `## Impact` appears more than once",
    ]


def test_an_empty_section_is_reported(folder: Path) -> None:
    path = write_runbook(folder)
    text = path.read_text(encoding="utf-8").replace("Something concrete about impact.\n", "")
    path.write_text(text, encoding="utf-8")
    assert problems(folder) == ["runbooks/api-down.md: section `## Impact` is empty"]


def test_a_heading_inside_a_code_block_is_not_a_section(folder: Path) -> None:
    path = write_runbook(folder, sections=("Meaning", "Impact", "Diagnosis", "Mitigation"))
    path.write_text(path.read_text(encoding="utf-8") + "```sh\n## Escalation\n```\n", encoding="utf-8")
    assert problems(folder) == ["runbooks/api-down.md: missing section `## Escalation`"]


def test_unknown_dashboard_service_and_wrong_team_are_reported(folder: Path) -> None:
    write_runbook(folder, dashboards="[obs-api, obs-apy]", team="sre")
    write_runbook(folder, "other", service="billing")
    assert problems(folder) == [
        "runbooks/api-down.md: team 'sre' does not own service 'api'; the catalog says 'platform'",
        "runbooks/api-down.md: dashboard uid 'obs-apy' is not in the catalog's DASHBOARDS",
    ]
    assert problems(folder, "other")[0].startswith(
        "runbooks/other.md: service 'billing' is not in the catalog"
    )


def test_mistyped_front_matter_values_are_reported(folder: Path) -> None:
    write_runbook(folder, alerts="PlatformApiDown", severity="page", dashboards="[]")
    assert problems(folder) == [
        "runbooks/api-down.md: front matter `alerts` must be a non-empty list of strings, "
        "got 'PlatformApiDown'",
        "runbooks/api-down.md: front matter `dashboards` must be a non-empty list of strings, got []",
        "runbooks/api-down.md: severity 'page' is not one of critical, warning, info, none",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("## Meaning\n\nno front matter\n", "no front matter (first line must be `---`)"),
        ("---\ntitle: open\n## Meaning\n", "front matter is not closed by a `---` line"),
        (
            "---\ntitle: ok\n  bad: indent\n---\n## Meaning\n",
            "front matter is not valid YAML (line 3: mapping values are not allowed here)",
        ),
        ("---\n- a list\n---\n## Meaning\n", "front matter must be a YAML mapping"),
    ],
)
def test_a_file_that_does_not_parse_still_loads_and_reports_why(
    folder: Path, text: str, problem: str
) -> None:
    (folder / "broken.md").write_text(text, encoding="utf-8")
    assert problems(folder, "broken") == [f"runbooks/broken.md: {problem}"]


@pytest.mark.parametrize("slug", RESERVED_SLUGS)
def test_a_runbook_named_like_a_site_page_is_refused(folder: Path, slug: str) -> None:
    write_runbook(folder, slug)
    assert problems(folder, slug) == [
        f"runbooks/{slug}.md: slug {slug!r} is reserved: the site serves its own /runbooks/{slug}, which "
        "would hide this runbook; rename the file (and the alerts' runbook_url)"
    ]
