"""`obs generate`: write dashboards/generated/, alerts/generated/ and deploy/kubernetes/generated/."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from observability.paths import repo_root


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate dashboards and alert rules from the catalog",
        description="Render Grafana dashboards (grafanalib) and Prometheus rule files from the catalog "
        "and write them under dashboards/generated/ and alerts/generated/; `kubernetes` writes them as "
        "PrometheusRule resources and Grafana sidecar ConfigMaps under deploy/kubernetes/generated/ "
        "(from the rules of --profile). Links in the rules point where pyproject.toml [tool.obs] says "
        "(runbook_base_url, grafana_url, public_url); OBS_RUNBOOK_BASE_URL and OBS_GRAFANA_URL override "
        "them for one generation.",
    )
    parser.add_argument(
        "what", nargs="?", choices=("dashboards", "alerts", "kubernetes", "all"), default="all"
    )
    parser.add_argument(
        "--profile",
        default="production",
        choices=("production", "fast"),
        help="alert profile: 'production' (committed) or 'fast' (ranges and `for` / 60, for live tests)",
    )
    parser.add_argument(
        "--out", type=Path, help="write into this directory instead of the repository (e.g. the fast profile)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _generate(args)
    except (ValueError, KeyError, OSError, SyntaxError) as exc:
        # Generators name the content file and the item in their errors; one line is enough.
        print(f"obs generate: {exc}", file=sys.stderr)
        return 1


def _generate(args: argparse.Namespace) -> int:
    from observability.ascode import output
    from observability.ascode.links import load_links

    started = time.perf_counter()
    root = repo_root()
    target = args.out or root
    written: list[Path] = []
    dashboards: output.Rendered = {}
    rules: output.Rendered = {}
    if args.what in ("dashboards", "kubernetes", "all"):
        from observability.ascode.dashboards import render_dashboards

        dashboards = render_dashboards(root)
    if args.what in ("dashboards", "all"):
        written += output.write(dashboards, target)
    if args.what in ("alerts", "kubernetes", "all"):
        from observability.ascode.rules import render_rules

        rules = render_rules(root, profile=args.profile, links=load_links(root, os.environ))
    if args.what in ("alerts", "all"):
        written += output.write(rules, target)
    if args.what in ("kubernetes", "all"):
        from observability.ascode.kubernetes import render_kubernetes

        written += output.write(render_kubernetes(rules, dashboards), target)
    for path in written:
        print(f"wrote {path}")
    print(f"generated {args.what} in {time.perf_counter() - started:.2f}s ({len(written)} files changed)")
    return 0
