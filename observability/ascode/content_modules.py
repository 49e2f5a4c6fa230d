"""Run a content file SREs edit (a dashboard or an alert definition) by path, as a throwaway module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


class ContentModuleError(ValueError):
    """A content file that could not be run; the message says why, the caller adds which file."""


def run_content_module(path: Path, module_name: str) -> ModuleType:
    """Execute the file at `path` as module `module_name`, which is left out of `sys.modules`."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ContentModuleError("not a loadable Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the SRE's file: report what went wrong, whatever it was
        raise ContentModuleError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        sys.modules.pop(module_name, None)
    return module
