"""`obs oncall [--at TIME]`: who is on call for every rotation, since and until when."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from observability.escalation.matrix import Matrix
    from observability.escalation.oncall import RosterEntry


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from observability.cli.matrix_options import add_matrix_option, add_time_options

    parser = subparsers.add_parser(
        "oncall",
        help="who is on call for every rotation (now or at --at)",
        description="List every rotation of the escalation matrix with the person on call at the "
        "given instant, since when and until when (the next handoff or override boundary), and who "
        "takes over next. Overrides are marked.",
    )
    add_time_options(parser)
    add_matrix_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from observability.cli.matrix_options import instant_option, load_matrix_or_report, shown, zone_option
    from observability.escalation.oncall import InstantOutOfRange, roster

    try:
        zone = zone_option(args.tz)
        at = instant_option(args.at, zone)
    except ValueError as exc:
        print(f"obs oncall: {exc}", file=sys.stderr)
        return 2
    matrix = load_matrix_or_report(args.matrix, "obs oncall")
    if matrix is None:
        return 1
    try:
        header, rows = f"on call at {shown(at, zone)}", _rows(matrix, roster(matrix, at), zone)
    except (InstantOutOfRange, OverflowError) as exc:  # OverflowError: shown in --tz past year 9999
        print(f"obs oncall: --at {args.at}: {exc}", file=sys.stderr)
        return 2
    print(header)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _rows(matrix: Matrix, entries: list[RosterEntry], zone: ZoneInfo) -> list[tuple[str, ...]]:
    from observability.cli.matrix_options import shown

    rows: list[tuple[str, ...]] = [("ROTATION", "ON CALL", "SINCE", "UNTIL", "NEXT")]
    for entry in entries:
        person = matrix.people[entry.shift.person]
        marker = " (override)" if entry.shift.override else ""
        rows.append(
            (
                entry.rotation.id,
                f"{person.name} ({person.id}){marker}",
                shown(entry.shift.start, zone),
                shown(entry.shift.end, zone),
                entry.next_person,
            )
        )
    return rows
