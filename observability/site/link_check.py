"""Every link of the exported site that points inside it must reach a page (and its #anchor)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from observability.ascode.output import Rendered


class PageLinks(HTMLParser):
    """The href/src targets and the element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.targets.append(value)
            elif name == "id" and value:
                self.ids.add(value)


def page_links(text: str) -> PageLinks:
    """The links and ids of one HTML page."""
    page = PageLinks()
    page.feed(text)
    page.close()
    return page


def broken_links(pages: Rendered) -> list[str]:
    """One line per internal link that reaches no exported file or no element id: `page: link: why`."""
    parsed = {
        PurePosixPath(path.as_posix()): page_links(text)
        for path, text in pages.items()
        if path.suffix == ".html"
    }
    files = {PurePosixPath(path.as_posix()) for path in pages}
    problems = []
    for page_path, page in sorted(parsed.items()):
        for target in page.targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc:
                continue  # another site (Grafana, the live service): not ours to check
            if target.startswith("/"):
                problems.append(
                    f"{page_path}: link {target!r}: absolute paths break the export opened from disk"
                )
                continue
            resolved = _resolve(page_path, unquote(parts.path)) if parts.path else page_path
            if resolved is None or resolved not in files:
                problems.append(f"{page_path}: link {target!r}: no page {parts.path!r} in the export")
            elif parts.fragment and (
                resolved not in parsed or unquote(parts.fragment) not in parsed[resolved].ids
            ):
                problems.append(f"{page_path}: link {target!r}: no #{parts.fragment} on {resolved}")
    return list(dict.fromkeys(problems))  # a link repeated on a page is one problem


def _resolve(page: PurePosixPath, relative: str) -> PurePosixPath | None:
    """`relative` as seen from `page`'s folder, or None when it climbs out of the export."""
    parts: list[str] = list(page.parent.parts)
    for part in PurePosixPath(relative).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts) if parts else None
