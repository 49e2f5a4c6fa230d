"""What the runbook site shows, read once: the runbooks, the index text, the catalog's names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from observability import catalog
from observability.runbooks import INDEX_FILE, Runbook, load_runbooks


@dataclass(frozen=True)
class DashboardLink:
    """A Grafana dashboard a runbook points at."""

    uid: str
    title: str
    url: str


@dataclass(frozen=True)
class ServiceGroup:
    """The runbooks of one service, for the index's table."""

    name: str
    title: str
    runbooks: tuple[Runbook, ...]


@dataclass(frozen=True)
class SiteContent:
    """The runbooks by slug, the index page's markdown, and where Grafana is."""

    runbooks: dict[str, Runbook]
    index_markdown: str = ""
    grafana_url: str = ""

    def dashboards(self, runbook: Runbook) -> list[DashboardLink]:
        """The runbook's dashboards as links (`<grafana>/d/<uid>`), titled from the catalog."""
        titles = {board.uid: board.title for board in catalog.DASHBOARDS}
        base = self.grafana_url.rstrip("/")
        return [DashboardLink(uid, titles.get(uid, uid), f"{base}/d/{uid}") for uid in runbook.dashboards]

    def by_service(self) -> list[ServiceGroup]:
        """Runbooks grouped by service: the catalog's order first, unknown services after, by name."""
        titles = {svc.name: svc.title for svc in catalog.SERVICES}
        order = {name: i for i, name in enumerate(titles)}
        names = sorted(
            {runbook.service for runbook in self.runbooks.values()},
            key=lambda name: (order.get(name, len(order)), name),
        )
        return [
            ServiceGroup(
                name=name,
                title=titles.get(name, name or "(no service)"),
                runbooks=tuple(
                    sorted(
                        (runbook for runbook in self.runbooks.values() if runbook.service == name),
                        key=lambda runbook: runbook.slug,
                    )
                ),
            )
            for name in names
        ]


def load_site(content_root: Path, grafana_url: str) -> SiteContent:
    """Read `<content_root>/runbooks/` (an absent folder gives an empty site, not an error)."""
    folder = content_root / "runbooks"
    if not folder.is_dir():
        return SiteContent(runbooks={}, grafana_url=grafana_url)
    index = folder / INDEX_FILE
    try:
        index_markdown = index.read_text(encoding="utf-8") if index.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        index_markdown = f"`{folder.name}/{INDEX_FILE}` cannot be read: {exc}"
    return SiteContent(load_runbooks(folder), index_markdown, grafana_url)
