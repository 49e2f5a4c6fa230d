"""`obs report --since 30d`: incidents per service and alert, TTA/TTR medians and p90s, noisy alerts, gaps."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pulls SQLAlchemy and pydantic: not at `obs` start-up
    from sqlalchemy.orm import Session

    from observability.config import Settings
    from observability.escalation.matrix import Matrix


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="learning across incidents: TTA/TTR medians and p90s, noisy and flapping alerts",
        description="Report on the incidents opened over a period: incidents per service and per alert, "
        "time to acknowledge and time to resolve as median and 90th percentile (never means), the alerts "
        "that paged most, flapping alerts, incidents without a runbook, and acknowledged incidents "
        "without a review. Also served at /incidents/report.",
    )
    parser.add_argument("--since", default="30d", help="period back from now: 30d (default), 12h, 2w")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from observability.cli.store_access import fail, with_store
    from observability.reviews.report import build_report, parse_period
    from observability.reviews.report_store import load_report_incidents, report_json, report_text

    try:
        period = parse_period(args.since)
    except ValueError as exc:
        return fail("obs report", f"--{exc}")

    def report(session: Session, settings: Settings, matrix: Matrix, now: datetime) -> int:
        found = build_report(
            load_report_incidents(session, since=now - period), since=now - period, until=now
        )
        sys.stdout.write(report_json(found) if args.format == "json" else report_text(found))
        return 0

    return with_store("obs report", report)
