"""One runbook: its front matter, its markdown body, and what is wrong with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from markdown_it.token import Token

from observability import catalog
from observability.catalog import names
from observability.runbooks.markdown import parse_tokens

REQUIRED_KEYS = ("title", "alerts", "service", "severity", "team", "dashboards")
SECTIONS = ("Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation")
# `none` is the Watchdog's severity: routed only to the dead-man's switch, never paged.
RUNBOOK_SEVERITIES = (*names.SEVERITIES, names.NONE)
# The site's own paths under /runbooks/ (the search page, the stylesheet and script folder): a
# runbook with one of these slugs would be shadowed by them, so the lint refuses it.
RESERVED_SLUGS = ("search", "static")


@dataclass(frozen=True)
class Runbook:
    """A runbook file: `slug` is its name without `.md`, `source` the path shown in problems."""

    slug: str
    source: str
    meta: Mapping[str, object] = field(default_factory=dict)
    body: str = ""
    parse_error: str = ""

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.slug))

    @property
    def alerts(self) -> list[str]:
        return _strings(self.meta.get("alerts"))

    @property
    def service(self) -> str:
        return str(self.meta.get("service", ""))

    @property
    def severity(self) -> str:
        return str(self.meta.get("severity", ""))

    @property
    def team(self) -> str:
        return str(self.meta.get("team", ""))

    @property
    def dashboards(self) -> list[str]:
        return _strings(self.meta.get("dashboards"))

    @property
    def sections(self) -> list[str]:
        """The `##` headings of the body, in order (headings inside code blocks do not count)."""
        return [title for title, _ in self._outline]

    @cached_property
    def _tokens(self) -> list[Token]:
        return parse_tokens(self.body)

    @cached_property
    def _outline(self) -> list[tuple[str, bool]]:
        """Each `##` heading with whether anything follows it before the next one."""
        outline: list[tuple[str, bool]] = []
        tokens = self._tokens
        for i, token in enumerate(tokens):
            if token.type == "heading_open" and token.tag == "h2":
                outline.append((tokens[i + 1].content.strip(), False))
            elif outline and token.level == 0 and not (token.type == "heading_close" and token.tag == "h2"):
                outline[-1] = (outline[-1][0], True)
        return outline

    def code_blocks(self, language: str | None = None) -> list[str]:
        """Fenced code blocks whose info string starts with `language` (all fenced blocks if None)."""
        return [
            token.content
            for token in self._tokens
            if token.type == "fence" and (language is None or (token.info.split() or [""])[0] == language)
        ]

    def problems(self) -> list[str]:
        """Every way this runbook breaks the contract, one line each naming the file."""
        if self.parse_error:
            return [f"{self.source}: {self.parse_error}"]
        found = self._slug_problems() + self._front_matter_problems() + self._section_problems()
        return [f"{self.source}: {problem}" for problem in found]

    def _slug_problems(self) -> list[str]:
        if self.slug not in RESERVED_SLUGS:
            return []
        return [
            f"slug {self.slug!r} is reserved: the site serves its own /runbooks/{self.slug}, which "
            "would hide this runbook; rename the file (and the alerts' runbook_url)"
        ]

    def _front_matter_problems(self) -> list[str]:
        problems = [f"front matter lacks `{key}`" for key in REQUIRED_KEYS if key not in self.meta]
        for key in ("title", "service", "severity", "team"):
            value = self.meta.get(key)
            if key in self.meta and (not isinstance(value, str) or not value.strip()):
                problems.append(f"front matter `{key}` must be a non-empty string, got {value!r}")
        for key in ("alerts", "dashboards"):
            value = self.meta.get(key)
            if key in self.meta and (
                not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value)
            ):
                problems.append(f"front matter `{key}` must be a non-empty list of strings, got {value!r}")
        if isinstance(self.meta.get("severity"), str) and self.severity not in RUNBOOK_SEVERITIES:
            problems.append(f"severity {self.severity!r} is not one of {', '.join(RUNBOOK_SEVERITIES)}")
        problems += self._catalog_problems()
        return problems

    def _catalog_problems(self) -> list[str]:
        problems = []
        owners = {svc.name: svc.team for svc in catalog.SERVICES}
        if isinstance(self.meta.get("service"), str) and self.service:
            if self.service not in owners:
                problems.append(f"service {self.service!r} is not in the catalog ({', '.join(owners)})")
            elif isinstance(self.meta.get("team"), str) and self.team and self.team != owners[self.service]:
                problems.append(
                    f"team {self.team!r} does not own service {self.service!r}; "
                    f"the catalog says {owners[self.service]!r}"
                )
        uids = {board.uid for board in catalog.DASHBOARDS}
        problems += [
            f"dashboard uid {uid!r} is not in the catalog's DASHBOARDS"
            for uid in self.dashboards
            if uid not in uids
        ]
        return problems

    def _section_problems(self) -> list[str]:
        found = self.sections
        problems = [f"missing section `## {title}`" for title in SECTIONS if title not in found]
        problems += [
            f"unexpected section `## {title}` (use `###` below one of {', '.join(SECTIONS)})"
            for title in found
            if title not in SECTIONS
        ]
        known = [title for title in found if title in SECTIONS]
        twice = sorted({title for title in known if known.count(title) > 1})
        problems += [f"section `## {title}` appears more than once" for title in twice]
        if not problems and known != list(SECTIONS):
            problems.append(f"sections out of order: {', '.join(known)}; expected {', '.join(SECTIONS)}")
        problems += [
            f"section `## {title}` is empty"
            for title, filled in self._outline
            if title in SECTIONS and not filled
        ]
        return problems


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def slug_of(path: Path) -> str:
    """The runbook slug of a file: its name without `.md`."""
    return path.name.removesuffix(".md")
