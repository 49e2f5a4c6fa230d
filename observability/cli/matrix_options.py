"""Options shared by the commands that read the escalation matrix: --matrix, --at, --tz."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # pulls pydantic: not at `obs` start-up
    from observability.escalation.matrix import Matrix


def add_matrix_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--matrix",
        type=Path,
        help="matrix directory (people.yml, rotations.yml, escalation.yml) or single file "
        "(default: $OBS_ESCALATION_MATRIX, else incident/ in the repository)",
    )


def add_time_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        default="now",
        help="the instant to ask about: ISO 8601 such as 2026-03-29T01:30+01:00 or 2026-03-29T01:30Z; "
        "a time without offset is read in --tz (default: now)",
    )
    parser.add_argument(
        "--tz", default="UTC", help="timezone to read --at in and to print times in (default UTC)"
    )


def load_matrix_or_report(path: Path | None, command: str) -> Matrix | None:
    """The matrix, or None after printing its problems (one line each) to stderr."""
    from observability.escalation.loading import MatrixError, load_matrix

    if path is None:
        from observability.config import load_settings

        path = load_settings().matrix_path
    try:
        return load_matrix(path)
    except MatrixError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"{command}: {len(exc.problems)} problem(s) in the escalation matrix at {path}", file=sys.stderr
        )
        return None


def zone_option(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"--tz {text!r}: unknown timezone (use an IANA name such as Europe/Berlin)"
        ) from None


def instant_option(text: str, zone: ZoneInfo) -> datetime:
    """`now`, or an ISO 8601 instant (naive times are read in `zone`)."""
    if text == "now":
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"--at {text!r}: not an ISO 8601 time (e.g. 2026-03-29T01:30+01:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def shown(moment: datetime, zone: ZoneInfo) -> str:
    """A time as people read it in `zone`, with the zone's abbreviation."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
