"""Markdown for runbooks: one markdown-it-py parser, raw HTML off, heading anchors, site links."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

if TYPE_CHECKING:
    from observability.runbooks.model import Runbook

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# A relative link to another runbook file, e.g. `postgres-locks.md#diagnosis`.
_RUNBOOK_LINK = re.compile(r"^(?![a-z][a-z0-9+.-]*:|/|#)(?P<path>[^#?]*?)\.md(?P<rest>[#?].*)?$", re.I)


def anchor_id(text: str) -> str:
    """The anchor of a heading: lower case, runs of other characters turned into one dash."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or "section"


def _heading_anchors(state: StateCore) -> None:
    """Give every heading a unique `id` so sections can be linked (#diagnosis)."""
    seen: dict[str, int] = {}
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = anchor_id(tokens[i + 1].content)
        seen[base] = seen.get(base, 0) + 1
        token.attrSet("id", base if seen[base] == 1 else f"{base}-{seen[base]}")


def _site_links(state: StateCore) -> None:
    """Point `x.md` links at `x`, the runbook site's path for that runbook (index.md is `./`)."""
    for block in state.tokens:
        for token in block.children or ():
            if token.type != "link_open":
                continue
            match = _RUNBOOK_LINK.match(str(token.attrGet("href") or ""))
            if match:
                path = match["path"]
                target = "./" if path in ("index", "./index") else path
                token.attrSet("href", target + (match["rest"] or ""))


@cache
def _parser() -> MarkdownIt:
    # commonmark + tables; "html": False renders any raw HTML in the text as escaped text.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("heading_anchors", _heading_anchors)
    md.core.ruler.push("site_links", _site_links)
    return md


def parse_tokens(text: str) -> list[Token]:
    """The markdown-it token stream of a markdown text."""
    return _parser().parse(text)


def render_markdown(text: str) -> str:
    """Markdown to HTML with raw HTML escaped, heading anchors and runbook-site links."""
    return _parser().render(text)


def render_html(runbook: Runbook) -> str:
    """A runbook's body as HTML (the page layout and front matter are the site's business)."""
    return render_markdown(runbook.body)
