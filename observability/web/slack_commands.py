"""`/incident` as text (pure): the subcommands, how an incident is named in them, and the help."""

from __future__ import annotations

import re
from dataclasses import dataclass

SUBCOMMANDS = ("ack", "resolve", "note", "severity", "status", "who", "review", "new", "help")
# Subcommands that change an incident: they need a person of the matrix (the API's responder role).
ACTING = frozenset({"ack", "resolve", "note", "severity", "new"})
_EXPLICIT_ID = re.compile(r"^#(\d{1,12})$")

HELP = """*`/incident` commands*
• `ack` — acknowledge the incident (stops the escalation)
• `resolve [note]` — resolve it, with an optional note
• `note <text>` — add a note to its timeline
• `severity <critical|warning|info>` — change its severity
• `status` — its status (outside an incident channel: the open incidents)
• `who` — who is on call now
• `review` — the link to its review
• `new <title>` — declare an incident by hand
• `help` — this list
In an incident's own channel the command applies to that incident; elsewhere name it first:
`/incident ack #42`."""


@dataclass(frozen=True)
class Command:
    """A parsed `/incident` line: the subcommand, an explicit `#id` if given, and the rest."""

    name: str
    incident_id: int | None
    rest: str


def parse(text: str) -> Command | str:
    """The command in `text`, or a message saying what is wrong with it."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return Command("help", None, "")
    name = words[0].lower()
    if name not in SUBCOMMANDS:
        return f"Unknown subcommand `{name}`. Try `/incident help`."
    rest = words[1].strip() if len(words) > 1 else ""
    incident_id = None
    first, _, after = rest.partition(" ")
    if match := _EXPLICIT_ID.match(first):
        incident_id, rest = int(match.group(1)), after.strip()
    if name in ("note", "new") and not rest:
        return f"`/incident {name}` needs some text: `/incident {name} <text>`."
    if name == "severity" and not rest:
        return "`/incident severity` needs a level: critical, warning or info."
    return Command(name, incident_id, rest)
