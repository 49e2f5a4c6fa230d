"""Names of incident channels: `inc-<yyyymmdd>-<id>-<slug>`, only [a-z0-9_-], at most 80 characters."""

from __future__ import annotations

import re
from datetime import datetime

MAX_LENGTH = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def slug(text: str) -> str:
    """The title as lower-case words joined by dashes (accents and punctuation dropped)."""
    return _NOT_ALLOWED.sub("-", text.lower()).strip("-_")


def channel_name(incident_id: int, opened_at: datetime, title: str, attempt: int = 0) -> str:
    """The channel name for an incident; `attempt` 1, 2, … are the names to take after `name_taken`."""
    prefix = f"inc-{opened_at:%Y%m%d}-{incident_id}"
    suffix = f"-{attempt + 1}" if attempt else ""
    room = MAX_LENGTH - len(prefix) - len(suffix) - 1
    words = slug(title)[: max(room, 0)].rstrip("-_")
    return f"{prefix}-{words}{suffix}" if words else f"{prefix}{suffix}"
