"""Who a Slack user is: the matrix person with that Slack id, else the one whose email Slack maps to it.

The email path (`users.lookupByEmail`) covers a workspace whose member ids differ from people.yml;
its answers are cached for the process, and looked up again at most every `refresh`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from observability.escalation.matrix import Matrix, Person

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_SECONDS = 1.5  # inside Slack's 3 s to acknowledge


class SlackPeople:
    """Maps Slack member ids to people of the current matrix."""

    def __init__(
        self, client: AsyncWebClient, matrix: Callable[[], Matrix], *, refresh: float = 600.0
    ) -> None:
        self.client, self.matrix, self.refresh = client, matrix, refresh
        self._by_email_lookup: dict[str, str] = {}  # Slack id -> person id
        self._looked_up_at: float | None = None
        self._lock = asyncio.Lock()

    async def person(self, slack_user_id: str) -> Person | None:
        """The person with this Slack id, or None (not in the matrix)."""
        matrix = self.matrix()
        for person in matrix.people.values():
            if person.slack_user_id == slack_user_id:
                return person
        found = self._by_email_lookup.get(slack_user_id)
        if found is None and self._stale():
            await self._lookup_emails(matrix)
            found = self._by_email_lookup.get(slack_user_id)
        return matrix.people.get(found) if found else None

    def _stale(self) -> bool:
        return self._looked_up_at is None or time.monotonic() - self._looked_up_at > self.refresh

    async def _lookup_emails(self, matrix: Matrix) -> None:
        async with self._lock:
            if not self._stale():
                return
            people = list(matrix.people.values())
            try:
                answers = await asyncio.wait_for(
                    asyncio.gather(*(self._lookup(person) for person in people)), LOOKUP_TIMEOUT_SECONDS
                )
            except TimeoutError:
                log.warning(
                    "users.lookupByEmail took over %.1fs; not mapping by email now", LOOKUP_TIMEOUT_SECONDS
                )
                return
            self._by_email_lookup = {
                slack_id: person.id for person, slack_id in zip(people, answers, strict=True) if slack_id
            }
            self._looked_up_at = time.monotonic()

    async def _lookup(self, person: Person) -> str | None:
        try:
            response = await self.client.users_lookupByEmail(email=person.email)
        except SlackApiError:
            return None  # users_not_found, or Slack failing: this person stays unmapped for now
        return str((response.get("user") or {}).get("id") or "") or None
