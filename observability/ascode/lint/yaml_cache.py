"""YAML reading for the lint: libyaml when present (rule and test files are large), cached by text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=256)
def load_yaml(text: str) -> Any:
    """Parse YAML safely; the same text (fresh and committed views of one file) is parsed once.

    Callers must not mutate the result: it is shared between calls.
    """
    return yaml.load(text, Loader=_LOADER)
