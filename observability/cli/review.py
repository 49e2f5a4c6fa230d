"""`obs review <id>`: draft an incident's post-incident review (stored as a version) and print or write it."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pulls SQLAlchemy and pydantic: not at `obs` start-up
    from sqlalchemy.orm import Session

    from observability.config import Settings
    from observability.escalation.matrix import Matrix


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "review",
        help="draft an incident's post-incident review (Markdown or HTML)",
        description="Render the post-incident review of an incident from incident/templates/review.md.j2 "
        "or review.html.j2, with graphs of what fired from OBS_PROMETHEUS_URL (when set), and store it "
        "as a new version when the template or the data changed. Prints the review, or writes it into "
        "--out (Markdown with its graphs as PNG files beside it; HTML with the graphs embedded).",
    )
    parser.add_argument("incident_id", type=int, metavar="ID", help="the incident's id")
    parser.add_argument("--format", choices=("md", "html"), default="md", help="Markdown (default) or HTML")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="write incident-<id>-review.<md|html> (and graphs) here"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from observability.cli.store_access import fail, with_store
    from observability.cli.token import cli_actor
    from observability.incidents.errors import IncidentNotFound
    from observability.reviews.context import review_context
    from observability.reviews.versions import make_review

    def review(session: Session, settings: Settings, matrix: Matrix, now: datetime) -> int:
        context = review_context(settings, matrix)
        try:
            with context.source() as source:
                stored = make_review(
                    session,
                    incident_id=args.incident_id,
                    actor=cli_actor(),
                    people=context.people,
                    source=source,
                    templates=context.templates,
                    now=now,
                )
        except IncidentNotFound:
            return fail("obs review", f"incident {args.incident_id} not found")
        row = stored.version
        text = row.markdown if args.format == "md" else row.html
        state = "new version" if stored.created else "unchanged, stored version"
        if args.out is None:
            sys.stdout.write(text)
            print(f"incident {args.incident_id} review: {state} {row.version}", file=sys.stderr)
            return 0
        args.out.mkdir(parents=True, exist_ok=True)
        target = args.out / f"incident-{args.incident_id}-review.{args.format}"
        target.write_text(text, encoding="utf-8")
        written = [target]
        if args.format == "md":
            for name, png in stored.pngs.items():
                (args.out / name).write_bytes(png)
                written.append(args.out / name)
        for item in row.graphs or []:
            if item.get("reason"):
                print(f"{item.get('alertname', '')}: {item['reason']}", file=sys.stderr)
        print(f"incident {args.incident_id} review: {state} {row.version}", file=sys.stderr)
        for path in written:
            print(path)
        return 0

    return with_store("obs review", review)
