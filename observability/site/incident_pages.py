"""Read-only incident pages: the list and one incident with its alerts, links and timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from observability.site.links import Links
from observability.site.templates import render
from observability.store.models import INCIDENT_STATUSES, Incident


def incident_list_page(
    incidents: Sequence[Incident],
    *,
    total: int,
    filters: Mapping[str, str | None],
    limit: int,
    offset: int,
    links: Links,
) -> str:
    """A page of incidents, newest first, with status filters and newer/older links keeping `filters`."""
    status = filters.get("status")
    return render(
        "incidents.html",
        links=links,
        incidents=incidents,
        total=total,
        status=status,
        narrowing=[(name, value) for name, value in filters.items() if value and name != "status"],
        limit=limit,
        offset=offset,
        status_links=[
            (value or "all", _query({**filters, "status": value}, 0), value == status)
            for value in (None, *INCIDENT_STATUSES)
        ],
        previous_page=_query(filters, max(offset - limit, 0)) if offset > 0 else "",
        next_page=_query(filters, offset + limit) if offset + limit < total else "",
    )


def _query(filters: Mapping[str, str | None], offset: int) -> str:
    """`?status=triggered&offset=50`: the list page at `offset` with the filters that are set."""
    params = {name: value for name, value in filters.items() if value}
    if offset:
        params["offset"] = str(offset)
    return "?" + urlencode(params) if params else "./"


def incident_page(incident: Incident, links: Links, own_runbooks: Mapping[int, str] | None = None) -> str:
    """One incident (its `alerts` and `timeline` loaded): summary, links, alerts, timeline.

    `own_runbooks` maps alert ids to the slug of the runbook this service serves for them, linked
    next to the alert's own runbook_url (which may point at a host nobody can reach).
    """
    pages = {alert_id: links.home + links.runbook(slug) for alert_id, slug in (own_runbooks or {}).items()}
    return render(
        "incident.html",
        links=links,
        incident=incident,
        own_runbooks=pages,
        own_pages=list(dict.fromkeys(pages.values())),
    )


def login_page(links: Links, *, message: str, next_page: str) -> str:
    """The sign-in form for incident pages, with why the last attempt was refused."""
    return render("login.html", links=links, message=message, next_page=next_page)
