"""`obs runbooks export DIR`: the runbook site as static HTML that works opened from disk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "runbooks",
        help="the runbook site as static HTML (obs runbooks export DIR)",
        description="Work with the on-call runbook site that the service serves at /runbooks/.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write index.html, <slug>.html and style.css to DIR",
        description="Render runbooks/index.md and every runbooks/<slug>.md into DIR as index.html, "
        "<slug>.html and style.css: the same pages the service serves, with relative links "
        "(<slug>.html, index.html) so the folder works opened from disk or served by any static "
        "web server. Only changed files are written; files of deleted runbooks are left alone. "
        "Fails, naming the page, when a link inside the site points at no page or anchor.",
    )
    export.add_argument("directory", metavar="DIR", type=Path, help="output folder (created if missing)")
    export.add_argument(
        "--content-root",
        type=Path,
        help="repository holding runbooks/ (default: $OBS_CONTENT_ROOT, else this repository)",
    )
    export.add_argument(
        "--grafana-url", help="Grafana base URL for dashboard links (default: $OBS_GRAFANA_URL)"
    )
    export.add_argument(
        "--public-url",
        help="the service's URL, for the header's Incidents link (default: $OBS_PUBLIC_URL; '' omits it)",
    )
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from observability.ascode.output import write
    from observability.config import SettingsError, load_settings
    from observability.site import load_site
    from observability.site.export import BrokenLinks, export_site

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"obs runbooks export: {exc}", file=sys.stderr)
        return 2
    content_root = args.content_root or settings.content_root
    if not (content_root / "runbooks").is_dir():
        print(f"obs runbooks export: no runbooks/ folder under {content_root}", file=sys.stderr)
        return 2
    content = load_site(content_root, args.grafana_url or settings.grafana_url)
    public_url = settings.public_url if args.public_url is None else args.public_url
    target: Path = args.directory
    if target.exists() and not target.is_dir():
        print(f"obs runbooks export: {target} exists and is not a folder", file=sys.stderr)
        return 2
    try:
        pages = export_site(content, public_url=public_url)
    except BrokenLinks as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"obs runbooks export: {exc}; nothing written", file=sys.stderr)
        return 1
    try:
        written = write(pages, target)
    except OSError as exc:
        print(f"obs runbooks export: cannot write to {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for runbook in content.runbooks.values():
        for problem in runbook.problems():
            print(f"warning: {problem}", file=sys.stderr)
    count = len(content.runbooks) + 1
    print(f"exported {count} pages to {target} ({len(written)} files written); open {target / 'index.html'}")
    return 0
