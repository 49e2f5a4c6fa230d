"""`obs oncall [--at TIME]`: who is on call for every rotation, since and until when."""

from __future__ import annotations

import argparse
import sys


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
    from observability.escalation.oncall import roster

    try:
        zone = zone_option(args.tz)
        at = instant_option(args.at, zone)
    except ValueError as exc:
        print(f"obs oncall: {exc}", file=sys.stderr)
        return 2
    matrix = load_matrix_or_report(args.matrix, "obs oncall")
    if matrix is None:
        return 1
    print(f"on call at {shown(at, zone)}")
    rows = [("ROTATION", "ON CALL", "SINCE", "UNTIL", "NEXT")]
    for entry in roster(matrix, at):
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
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0
