"""Search across runbooks, on the server (the page works without JavaScript): every word must match."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from observability.runbooks import Runbook

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
SNIPPET_CHARS = 160
# Where a word is found counts for this much; the body counts once per occurrence, up to a cap.
_WEIGHTS = {"title": 10, "alerts": 8, "slug": 6, "facts": 4}
_BODY_CAP = 5
_MARKUP = re.compile(r"[`*#>]+|\]\([^)]*\)|\[")


@dataclass(frozen=True)
class SearchHit:
    """A runbook that matches every word, how well, and a line of its body around the first match."""

    runbook: Runbook
    score: int
    snippet: str


def terms(query: str) -> list[str]:
    """The lower-case words of a query (at most MAX_TERMS, each searched as a substring)."""
    return [word for word in query.lower().split() if word][:MAX_TERMS]


def search_runbooks(runbooks: Mapping[str, Runbook], query: str) -> list[SearchHit]:
    """Runbooks matching every word of `query` in their title, alerts, facts or text; best first."""
    words = terms(query[:MAX_QUERY_LENGTH])
    if not words:
        return []
    hits = []
    for runbook in runbooks.values():
        fields = {
            "title": runbook.title.lower(),
            "alerts": " ".join(runbook.alerts).lower(),
            "slug": runbook.slug,
            "facts": f"{runbook.service} {runbook.team} {runbook.severity}".lower(),
        }
        body = runbook.body.lower()
        score = 0
        for word in words:
            found = sum(weight for name, weight in _WEIGHTS.items() if word in fields[name])
            found += min(body.count(word), _BODY_CAP)
            if not found:
                break
            score += found
        else:
            hits.append(SearchHit(runbook, score, snippet(runbook.body, words)))
    return sorted(hits, key=lambda hit: (-hit.score, hit.runbook.slug))


def snippet(body: str, words: list[str]) -> str:
    """The body line holding the first matching word, markup stripped, cut to SNIPPET_CHARS around it."""
    for line in body.splitlines():
        lowered = line.lower()
        positions = [lowered.find(word) for word in words if word in lowered]
        if not positions or line.lstrip().startswith("#"):
            continue
        start = max(min(positions) - SNIPPET_CHARS // 3, 0)
        text = _MARKUP.sub("", line[start : start + SNIPPET_CHARS]).strip()
        return ("…" if start else "") + text + ("…" if start + SNIPPET_CHARS < len(line) else "")
    return ""
