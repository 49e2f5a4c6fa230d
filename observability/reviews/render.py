"""Render a draft with the team's templates (`incident/templates/review.md.j2`, `review.html.j2`).

HTML is autoescaped; Markdown escapes every printed value through `finalize` (see markdown_text),
so a template edit cannot forget to neutralise a label or a note. The version's content hash covers
the templates' text and the draft data, so editing either gives a new version.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from observability.escalation.durations import format_duration
from observability.paths import repo_root
from observability.reviews.draft import ReviewDraft
from observability.reviews.graphs import Graph
from observability.reviews.markdown_text import MarkdownSafe, code_span, escape_markdown, markdown_link
from observability.site.templates import web_url

MARKDOWN_TEMPLATE = "review.md.j2"
HTML_TEMPLATE = "review.html.j2"
TEMPLATE_NAMES = (MARKDOWN_TEMPLATE, HTML_TEMPLATE)


@dataclass(frozen=True)
class RenderedReview:
    markdown: str
    html: str
    template_hash: str
    content_hash: str
    graphs: tuple[Graph, ...]


def templates_folder(content_root: Path) -> Path:
    """`<content_root>/incident/templates` when it holds the review templates, else the shipped ones."""
    candidate = content_root / "incident" / "templates"
    if all((candidate / name).is_file() for name in TEMPLATE_NAMES):
        return candidate
    return repo_root() / "incident" / "templates"


def utc_text(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "—"


def duration_text(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else "—"


def _environment(folder: Path, *, markdown: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=not markdown,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=escape_markdown if markdown else None,
    )
    if markdown:
        env.filters["utc"] = lambda value: MarkdownSafe(utc_text(value))
        env.filters["duration"] = lambda value: MarkdownSafe(duration_text(value))
        env.filters["link"] = markdown_link
        env.filters["code"] = code_span
    else:
        env.filters["utc"] = utc_text
        env.filters["duration"] = duration_text
        env.filters["web_url"] = web_url
    return env


def template_hash(folder: Path) -> str:
    """SHA-256 over the review templates' text (names included, so a swap counts as an edit)."""
    digest = hashlib.sha256()
    for name in TEMPLATE_NAMES:
        digest.update(name.encode() + b"\x00" + (folder / name).read_bytes() + b"\x00")
    return digest.hexdigest()


def draft_data(draft: ReviewDraft) -> dict[str, Any]:
    """The draft as JSON-ready data without the moment it was drafted (which changes every ask)."""
    data = dataclasses.asdict(draft)
    data.pop("generated_at")
    return data


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    return str(value)


def content_hash(draft: ReviewDraft, graphs: Sequence[Graph], templates: str) -> str:
    """What identifies a version: the templates, the draft data and what each graph asked for."""
    payload = {
        "templates": templates,
        "draft": draft_data(draft),
        "graphs": [graph.fingerprint(draft.window_end) for graph in graphs],
    }
    text = json.dumps(payload, sort_keys=True, default=_json_default, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def render_review(draft: ReviewDraft, graphs: Sequence[Graph], folder: Path) -> RenderedReview:
    """The draft as Markdown (graphs as files beside it) and as one self-contained HTML page."""
    hashed = template_hash(folder)
    context = {"review": draft, "graphs": list(graphs)}
    markdown = _environment(folder, markdown=True).get_template(MARKDOWN_TEMPLATE).render(**context)
    embedded = [
        {
            "graph": graph,
            "src": "data:image/png;base64," + base64.b64encode(graph.png).decode() if graph.png else "",
        }
        for graph in graphs
    ]
    html = (
        _environment(folder, markdown=False).get_template(HTML_TEMPLATE).render(review=draft, graphs=embedded)
    )
    return RenderedReview(
        markdown=markdown,
        html=html,
        template_hash=hashed,
        content_hash=content_hash(draft, graphs, hashed),
        graphs=tuple(graphs),
    )
