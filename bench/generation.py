"""Generation time: `obs generate all` and `obs check`, each as a fresh process, as a user runs them.

`obs generate all --out <empty folder>` renders and writes every generated file (dashboards, rule
files, Kubernetes resources) from scratch; `obs check` renders them again in memory, lints them and
runs promtool (and `--skip-promtool` without it). Each runs ROUNDS times; the figure with a goal is the
median CPU time of the process and its children (promtool), which other load on the shared machine
skews less than the wall time recorded beside it. Never asserts.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import report

REPO = Path(__file__).resolve().parents[1]
ROUNDS = 3
# CPU seconds: what a developer waits on an idle machine (the runs are single-threaded)
GOALS = {"generate": 5.0, "check --skip-promtool": 10.0, "check": 30.0}


def timed(arguments: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `obs` run; fails loudly when the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "observability.cli", *arguments],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(name: str, arguments: Callable[[int], list[str]]) -> None:
    """Run `obs <arguments(round)>` ROUNDS times; record the median wall time."""
    runs = [timed(arguments(round_)) for round_ in range(ROUNDS)]
    wall = statistics.median(run[0] for run in runs)
    cpu = statistics.median(run[1] for run in runs)
    print(f"obs {name:<24} median {wall:5.2f} s wall, {cpu:5.2f} s CPU over {ROUNDS} runs", flush=True)
    report.record("generation", f"obs {name}: CPU time", cpu, "s", at_most=GOALS[name])
    report.record("generation", f"obs {name}: wall time", wall, "s", note="under the load shown")


def main() -> int:
    folders = ("dashboards/generated", "alerts/generated", "deploy/kubernetes/generated")
    files = sum(1 for folder in folders for _ in (REPO / folder).glob("*"))
    print(f"generation: {files} generated files; load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="obs-bench-generate-") as tmp:
        # a fresh folder each round, so every file is rendered and written
        measure("generate", lambda round_: ["generate", "all", "--out", str(Path(tmp) / str(round_))])
    measure("check --skip-promtool", lambda _: ["check", "--skip-promtool"])
    measure("check", lambda _: ["check"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
