"""Untrusted text made inert in Markdown: every value a template prints is escaped unless marked safe.

The Markdown template environment escapes each `{{ value }}` through `finalize`, the way HTML
autoescaping does: Markdown control characters get a backslash, `<`, `>` and `&` become entities,
and line breaks become spaces, so a label or a note can start no heading, list, table row, link
or raw HTML. Filters that build Markdown on purpose (a link, a time) return `MarkdownSafe`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from observability.site.templates import web_url

# CommonMark's ASCII punctuation that can start or end markup inline (backslash-escapable).
_CONTROL = re.compile(r"([\\`*_{}\[\]()#!|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")
# What starts a block only at the start of a line: a list item, an ordered-list marker, a setext
# underline ("1." / "- " / "+" / "=").
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")
_LEADING_MARK = re.compile(r"^([-+=])")


class MarkdownSafe(str):
    """Markdown built on purpose: printed as is."""

    __slots__ = ()


def escape_markdown(value: object) -> MarkdownSafe:
    """`value` as literal text in Markdown (idempotent on MarkdownSafe)."""
    if isinstance(value, MarkdownSafe):
        return value
    text = _BREAKS.sub(" ", "" if value is None else str(value))
    text = "".join(_HTML.get(char, char) for char in text)
    text = _CONTROL.sub(r"\\\1", text)
    text = _LEADING_NUMBER.sub(r"\1\\\2", text)
    text = _LEADING_MARK.sub(r"\\\1", text)
    return MarkdownSafe(text)


def markdown_link(url: str | None, text: object | None = None) -> MarkdownSafe:
    """`[text](url)` for an http(s) URL; the text alone (escaped) for anything else."""
    label = escape_markdown(text if text is not None else url or "")
    target = web_url(url)
    if not target:
        return label if text is not None else escape_markdown(url or "—")
    # Percent-encode what could close the destination or start markup inside it.
    safe_target = quote(target, safe="/:?&=%#;,@+~!$*.-_")
    return MarkdownSafe(f"[{label}](<{safe_target}>)")


def code_span(value: object) -> MarkdownSafe:
    """Inline code that no backtick in `value` can close (CommonMark: a longer fence)."""
    # GFM splits table cells on a pipe even inside code; `\|` keeps it one cell (shown as `|`).
    text = _BREAKS.sub(" ", "" if value is None else str(value)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    # Entities are not decoded inside code spans, so `<` stays visible as `<` and cannot open HTML.
    return MarkdownSafe(f"{fence}{pad}{text}{pad}{fence}")
