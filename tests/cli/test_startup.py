"""`obs` start-up: building the parser (every subcommand's register) imports no heavy library."""

from __future__ import annotations

import subprocess
import sys

# What a handler may import, never `register`: each costs 0.1-0.5 s before any command runs.
HEAVY = ("sqlalchemy", "pydantic", "pydantic_settings", "httpx", "fastapi", "grafanalib", "uvicorn")

PROBE = """
import sys
from observability.cli import build_parser
build_parser()
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_building_the_parser_imports_no_heavy_library() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
    ).stdout.split()
    assert [name for name in HEAVY if name in loaded] == []
