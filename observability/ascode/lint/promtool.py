"""The real promtool: `check rules` on every generated rule file, `test rules` on every unit test file."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .content import RULES_DIR, RULES_SUFFIX
from .problem import Problem

TESTS_DIR = Path("alerts/tests")
TEST_SUFFIX = ".test.yml"
TIMEOUT_SECONDS = 120
_MAX_DETAIL_LINES = 40


def rule_files(root: Path) -> list[Path]:
    return sorted((root / RULES_DIR).glob(f"*{RULES_SUFFIX}"))


def test_files(root: Path) -> list[Path]:
    return sorted((root / TESTS_DIR).glob(f"*{TEST_SUFFIX}"))


def run_promtool(root: Path) -> list[Problem]:
    """`promtool check rules` and `promtool test rules`, one run per file so a failure names its file."""
    promtool = shutil.which("promtool")
    if promtool is None:
        return [
            Problem("promtool", "binary", "not on PATH; `make tools` installs it (or pass --skip-promtool)")
        ]
    jobs = [("check rules", path) for path in rule_files(root)] + [
        ("test rules", path) for path in test_files(root)
    ]
    problems = []
    if not rule_files(root):
        problems.append(
            Problem(RULES_DIR.as_posix(), "promtool check rules", "no *.rules.yml files to check")
        )
    if not test_files(root):
        problems.append(Problem(TESTS_DIR.as_posix(), "promtool test rules", "no *.test.yml files to run"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda job: _run(promtool, root, *job), jobs)
        problems += [problem for problem in results if problem is not None]
    return problems


def _run(promtool: str, root: Path, command: str, path: Path) -> Problem | None:
    relative = path.relative_to(root).as_posix()
    try:
        # promtool resolves a test file's rule_files relative to the test file itself.
        done = subprocess.run(
            [promtool, *command.split(), relative],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Problem(relative, f"promtool {command}", f"did not finish within {TIMEOUT_SECONDS}s")
    if done.returncode == 0:
        return None
    output = (done.stdout + done.stderr).strip().splitlines()
    detail = "\n".join(output[:_MAX_DETAIL_LINES] + (["…"] if len(output) > _MAX_DETAIL_LINES else []))
    return Problem(relative, f"promtool {command}", f"failed (exit {done.returncode})", detail)
