"""Where a process's CPU goes: py-spy samples of a running process, summed by package and by project function.

A bench that misses a goal calls `profile_while(pid, work)`: py-spy samples the process from outside
(non-blocking, so the process is not paused) while `work()` runs. Only samples of the thread holding
the GIL count (`--gil`): this container's thread states do not tell py-spy which threads are idle,
and the GIL holder is the one running Python, so the shares approximate the Python CPU time. Time in
C code that releases the GIL (HTTP parsing, libpq) is not sampled. The result goes to
`report.record_profile`, which BENCHMARKS.md prints under the bench's figures:

    stacks = profile_while(pid, lambda: post_all(port, bodies))
    report.record_profile("ingest", "obs serve, single-alert notifications (PostgreSQL)", stacks)
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RATE = 200  # samples per second
# "function (path:line)" in py-spy's raw (collapsed-stack) output
_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^():]+)(?::\d+)?\)$")
_STDLIB = re.compile(r"/lib/python3\.\d+/(?P<module>[^/]+?)(?:\.py)?/")


def py_spy() -> str | None:
    """The py-spy next to this interpreter (the dev install has it), else one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def profile_while(pid: int, work: Callable[[], object], settle: float = 0.3) -> Counter[str]:
    """py-spy samples of `pid` (and its subprocesses) taken while `work()` runs: stack -> samples."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed (it is in the dev extra: make venv)")
    with tempfile.TemporaryDirectory(prefix="obs-profile-") as folder:
        raw = Path(folder) / "stacks.txt"
        command = [spy, "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw"]
        command += ["--output", str(raw), "--nonblocking", "--gil", "--subprocesses"]
        recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(settle)  # py-spy attaches before the work starts
        try:
            work()
        finally:
            recorder.send_signal(2)  # SIGINT: py-spy writes what it sampled and exits
            _, errors = recorder.communicate(timeout=60)
        if not raw.exists():
            raise RuntimeError(f"py-spy wrote no profile: {errors.decode(errors='replace')[-500:]}")
        return parse_raw(raw.read_text(encoding="utf-8", errors="replace"))


def parse_raw(text: str) -> Counter[str]:
    """py-spy's raw output ("frame;frame;...;leaf count" per line) as stack -> samples."""
    stacks: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[stack] += int(count)
    return stacks


def area(frame: str) -> str:
    """The package a frame's code lives in: a PyPI package, a stdlib module, or a project package.

    py-spy prints paths relative to the interpreter's sys.path where it can ("psycopg/cursor.py",
    "asyncio/runners.py", "observability/ingest/rows.py") and bare file names for some of the
    project's modules; those are looked up under observability/.
    """
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip() or "unknown"
    path = match["path"]
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif path.startswith(str(REPO) + "/"):
        path = path[len(str(REPO)) + 1 :]
    elif path.startswith("/"):
        stdlib = _STDLIB.search(path)
        return f"{stdlib['module']}" if stdlib else Path(path).stem
    parts = Path(path).parts
    if len(parts) == 1:
        return _project_package(parts[0], match["function"]) or parts[0].removesuffix(".py")
    depth = 2 if parts[0] in ("observability", "demo", "bench") else 1
    return "/".join(parts[:depth]).removesuffix(".py")


@functools.cache  # one look through the tree per (file, function), not per stack
def _project_package(file_name: str, function: str) -> str | None:
    """The project package of a bare file name; the one defining `function` when several have it."""
    candidates = sorted((REPO / "observability").rglob(file_name))
    name = function.split(".")[-1].split("<")[0] or function
    defining = [c for c in candidates if f"def {name}(" in c.read_text(encoding="utf-8", errors="replace")]
    chosen = defining or candidates
    return "/".join(chosen[0].relative_to(REPO).parts[:2]) if len(chosen) == 1 else None


def self_time_by_area(stacks: Counter[str], top: int = 12) -> list[tuple[str, float]]:
    """Share of samples whose innermost frame is in each area, largest first."""
    totals: Counter[str] = Counter()
    for stack, samples in stacks.items():
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        totals[area(frames[-1]) if frames else "unknown"] += samples
    return _shares(totals, top)


def inclusive_by_project_function(stacks: Counter[str], top: int = 12) -> list[tuple[str, float]]:
    """Share of samples with each of the project's functions on the stack (so shares overlap)."""
    totals: Counter[str] = Counter()
    for stack, samples in stacks.items():
        seen = set()
        for frame in stack.split(";"):
            match = _FRAME.match(frame.strip())
            if match and "observability/" in match["path"] and "site-packages" not in match["path"]:
                module = match["path"].split("observability/", 1)[1].removesuffix(".py").replace("/", ".")
                if not module.startswith("cli."):  # the process's outermost frames
                    seen.add(f"{module}.{match['function']}")
        for name in seen:
            totals[name] += samples
    return _shares(totals, top, of=sum(stacks.values()))


def _shares(totals: Counter[str], top: int, of: int | None = None) -> list[tuple[str, float]]:
    whole = of if of is not None else sum(totals.values())
    if not whole:
        return []
    return [(name, 100.0 * samples / whole) for name, samples in totals.most_common(top)]
