"""`obs check`: the consistency lint (alerts ↔ runbooks ↔ dashboards ↔ catalog, freshness, promtool)."""

from __future__ import annotations

import argparse
import textwrap
import time
from pathlib import Path

from observability.paths import repo_root


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="lint alerts, runbooks, dashboards and generated files; run promtool",
        description="Fail (exit 1), one line per problem as `path: item: what is wrong`, when an alert has "
        "no runbook or lacks a label or annotation, a runbook lacks a section, a runbook_url or "
        "dashboard_url points nowhere, a rule, panel or runbook query uses a metric nothing declares, "
        "dashboards share a uid, panels overlap, a generated file is stale, or promtool's "
        "`check rules` / `test rules` fails.",
    )
    parser.add_argument(
        "--root",
        type=Path,
        help="repository to check (default: this checkout, or $OBS_REPO_ROOT); generators read it too",
    )
    parser.add_argument("--skip-promtool", action="store_true", help="do not run promtool check/test rules")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from observability.ascode.lint import run_checks

    root = (args.root or repo_root()).resolve()
    if not root.is_dir():
        print(f"obs check: --root {root}: not a directory")
        return 2
    started = time.perf_counter()
    report = run_checks(root, promtool=not args.skip_promtool)
    for problem in report.problems:
        print(problem.line())
        if problem.detail:
            print(textwrap.indent(problem.detail, "    "))
    elapsed = time.perf_counter() - started
    if not report.ok:
        print(f"obs check: {len(report.problems)} problem(s) in {root} ({elapsed:.2f}s)")
        return 1
    print(f"{report.summary()} ({elapsed:.2f}s)")
    return 0
