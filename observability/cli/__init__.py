"""The `obs` command: one module per subcommand, each with a `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Subcommand modules under observability.cli; each defines register(subparsers).
COMMANDS = (
    "generate",
    "check",
    "token",
    "serve",
    "migrate",
    "oncall",
    "escalation",
    "check-config",
    "demo",
    "verify-deploy",
    "runbooks",
    "review",
    "report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="obs", description="Observability as code and incident response.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name.replace('-', '_')}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
