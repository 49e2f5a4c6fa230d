"""`obs check-config [PATH]`: validate the escalation matrix (people, rotations, policies)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate the escalation matrix (people, rotations, policies)",
        description="Load the escalation matrix and fail (exit 1) with one line per problem, as "
        "`file: item: what is wrong` (an unknown person in a rotation, a bad timezone, overlapping "
        "overrides, a negative step delay, an unknown rotation in a step, no default policy, …). "
        "The service refuses to start on a matrix this command rejects.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="matrix directory or single YAML file (default: $OBS_ESCALATION_MATRIX, else incident/)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from observability.cli.matrix_options import load_matrix_or_report

    matrix = load_matrix_or_report(args.path, "obs check-config")
    if matrix is None:
        return 1
    print(
        f"escalation matrix ok: {len(matrix.people)} people, {len(matrix.rotations)} rotations, "
        f"{len(matrix.policies)} policies (default: {matrix.policies[-1].id}); review drafts on resolve: "
        f"{', '.join(matrix.review_severities) or 'none'}"
    )
    return 0
