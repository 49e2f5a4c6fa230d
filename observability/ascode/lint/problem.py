"""One finding of the lint: which file, which item in it, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """A lint finding, printed as `file: item: message` (plus an indented detail, e.g. tool output)."""

    file: str
    item: str
    message: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.file}: {self.item}: {self.message}"
