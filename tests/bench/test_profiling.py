"""bench/profiling.py: py-spy samples of a real process, summed by package; profiles land in BENCHMARKS.md."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from tests.bench.test_report import load_report
from tests.conftest import REPO_ROOT
from tests.support import unavailable


def _load_profiling() -> ModuleType:
    """bench/ is a folder of scripts, not a package: load the module from its file."""
    path = REPO_ROOT / "bench" / "profiling.py"
    spec = importlib.util.spec_from_file_location("bench_profiling_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


profiling = _load_profiling()

# A busy child: json encoding in one named function, sleeping in another (which must not count)
BUSY = """
import json, threading, time

def encode_forever():
    while True:
        json.dumps({"k": list(range(50))})

def sleep_forever():
    while True:
        time.sleep(0.01)

threading.Thread(target=sleep_forever, daemon=True).start()
encode_forever()
"""


def test_a_real_process_is_profiled_and_its_busy_function_found() -> None:
    if profiling.py_spy() is None:
        unavailable("py-spy (the dev extra installs it)")
    child = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        time.sleep(0.3)
        stacks = profiling.profile_while(child.pid, lambda: time.sleep(1.5))
    finally:
        child.kill()
        child.wait(10)
    if not stacks:
        pytest.fail("py-spy sampled nothing (is ptrace allowed here?)")
    busy = sum(samples for stack, samples in stacks.items() if "encode_forever" in stack)
    asleep = sum(samples for stack, samples in stacks.items() if "sleep_forever" in stack)
    assert busy > 0.8 * sum(stacks.values())
    assert asleep < 0.1 * sum(stacks.values())
    areas = dict(profiling.self_time_by_area(stacks))
    assert max(areas, key=lambda name: areas[name]) in ("json", "<string>")


def test_frames_are_attributed_to_their_package() -> None:
    assert profiling.area("Connection.wait (psycopg/connection.py:495)") == "psycopg"
    assert profiling.area("f (/x/lib/python3.11/site-packages/sqlalchemy/sql/base.py:3)") == "sqlalchemy"
    assert profiling.area("write (observability/ingest/transaction.py:111)") == "observability/ingest"
    assert profiling.area(f"write ({REPO_ROOT}/observability/ingest/rows.py:1)") == "observability/ingest"
    assert profiling.area("Runner.run (/usr/lib/python3.11/asyncio/runners.py:118)") == "asyncio"
    assert profiling.area("alertmanager_webhook (webhook.py:149)") == "observability/web"


def test_shares_are_of_all_samples_and_project_functions_overlap() -> None:
    stacks = Counter(
        {
            "main (observability/cli/__init__.py:1);run (observability/ingest/pipeline.py:4);"
            "execute (sqlalchemy/engine/base.py:9)": 3,
            "main (observability/cli/__init__.py:1);run (observability/ingest/pipeline.py:4)": 1,
        }
    )
    assert profiling.self_time_by_area(stacks) == [("sqlalchemy", 75.0), ("observability/ingest", 25.0)]
    assert profiling.inclusive_by_project_function(stacks) == [("ingest.pipeline.run", 100.0)]
    assert profiling.parse_raw("a;b 3\na;c 2\nnot a line\n") == Counter({"a;b": 3, "a;c": 2})


def test_a_recorded_profile_is_printed_under_its_bench(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBS_BENCH_RESULTS", str(tmp_path / "results.json"))
    report = load_report()
    report.record("ingest", "notifications/s", 400, "/s", at_least=750)
    stack = "run (observability/ingest/pipeline.py:4);execute (sqlalchemy/engine/base.py:9)"
    report.record_profile("ingest", "obs serve", Counter({stack: 9}), note="server-bound")
    results = json.loads((tmp_path / "results.json").read_text())
    text = report.render(results, {"CPU": "x"}, datetime(2026, 12, 2, tzinfo=UTC))
    section = text[text.index("## webhook ingest") :]
    assert "**Where the time goes: obs serve** (9 py-spy samples" in section
    assert "| sqlalchemy | 100.0 % |" in section and "| `ingest.pipeline.run` | 100.0 % |" in section
    assert "0 of 1 goals met" in text  # the profile is no figure
