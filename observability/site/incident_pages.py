"""Incident pages: the list and one incident, laid out for 3 a.m., with responders' forms.

Pure builders: the web layer passes the rows, who is looking (`PageView`) and the time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from observability.catalog.names import SEVERITIES
from observability.escalation.durations import format_duration
from observability.site.links import Links
from observability.site.templates import render, web_url
from observability.store.models import INCIDENT_STATUSES, Incident, IncidentAlert

# Alerts shown open on the incident page; the rest sit in one collapsed <details>.
ALERTS_OPEN = 3
# Annotations that say what is wrong: shown first, as text, above every other fact of the alert.
DESCRIBING = ("summary", "description", "message")
# The list reloads itself this often while open (a meta refresh: no script needed).
LIST_REFRESH_SECONDS = 30


@dataclass(frozen=True)
class PageView:
    """Who looks at a page and what it may do there: name, role, the forms' CSRF token, a flash."""

    user: str
    role: str
    can_act: bool
    csrf_token: str
    now: datetime
    public_url: str = ""
    flash: tuple[str, str] | None = None  # (kind, message) of the action just done


@dataclass(frozen=True)
class ListFilters:
    """The list's filter controls as the query string set them."""

    status: str | None = None
    service: str | None = None
    severity: str | None = None
    q: str | None = None

    def items(self) -> dict[str, str | None]:
        return {"status": self.status, "service": self.service, "severity": self.severity, "q": self.q}


def age(start: datetime, end: datetime) -> str:
    """How long from `start` to `end` as people read it at a glance: `45s`, `12m`, `3h20m`, `2d4h`."""
    seconds = max(0, int((end - start).total_seconds()))
    if seconds >= 86400:
        seconds -= seconds % 3600
    elif seconds >= 60:
        seconds -= seconds % 60
    return format_duration(timedelta(seconds=seconds))


def incident_list_page(
    incidents: Sequence[Incident],
    *,
    total: int,
    total_capped: bool = False,
    filters: ListFilters,
    services: Sequence[str],
    limit: int,
    offset: int,
    links: Links,
    view: PageView,
) -> str:
    """A page of incidents, last active first, with filter controls and newer/older links.

    `total_capped`: the count stopped at `total`, so the page says "total+" and offers no last page.
    """
    values = filters.items()
    return render(
        "incidents.html",
        links=links,
        view=view,
        incidents=incidents,
        total=total,
        total_capped=total_capped,
        filters=filters,
        statuses=INCIDENT_STATUSES,
        severities=SEVERITIES,
        services=services,
        narrowing=[(name, value) for name, value in values.items() if value and name != "status"],
        limit=limit,
        offset=offset,
        refresh_seconds=LIST_REFRESH_SECONDS,
        age=age,
        status_links=[
            (value or "all", _query({**values, "status": value}, 0), value == filters.status)
            for value in (None, *INCIDENT_STATUSES)
        ],
        previous_page=_query(values, max(offset - limit, 0)) if offset > 0 else "",
        next_page=_query(values, offset + limit)
        if len(incidents) == limit and (offset + limit < total or total_capped)
        else "",
    )


def _query(filters: Mapping[str, str | None], offset: int) -> str:
    """`?status=triggered&offset=50`: the list page at `offset` with the filters that are set."""
    params = {name: value for name, value in filters.items() if value}
    if offset:
        params["offset"] = str(offset)
    return "?" + urlencode(params) if params else "./"


def runbook_links(incident: Incident, links: Links, own_runbooks: Mapping[int, str]) -> list[tuple[str, str]]:
    """(href, text) of the incident's runbooks: this service's own pages first, then other URLs.

    `own_runbooks` maps alert ids to the slug of the runbook this service serves for them.
    """
    own = [links.home + links.runbook(slug) for slug in dict.fromkeys(own_runbooks.values())]
    found = [(href, f"runbook here: {href.rsplit('/', 1)[-1]}") for href in own]
    for url in incident.links["runbooks"]:
        if web_url(url) and not url.endswith(tuple(f"/runbooks/{slug}" for slug in own_runbooks.values())):
            found.append((url, url))
    return found


def dashboard_over(url: str, start: datetime, end: datetime | None) -> str:
    """A Grafana dashboard URL narrowed to the incident's time range (`from`/`to` in epoch ms)."""
    safe = web_url(url)
    if not safe:
        return ""
    params = urlencode(
        {"from": int(start.timestamp() * 1000), "to": int(end.timestamp() * 1000) if end else "now"}
    )
    separator = "&" if urlsplit(safe).query else "?"
    return f"{safe}{separator}{params}"


def describing(alert: IncidentAlert) -> list[tuple[str, str]]:
    """The annotations that say what is wrong, in the order people read them."""
    return [(name, alert.annotations[name]) for name in DESCRIBING if alert.annotations.get(name)]


def incident_page(
    incident: Incident, links: Links, view: PageView, own_runbooks: Mapping[int, str] | None = None
) -> str:
    """One incident (its `alerts` and `timeline` loaded): state, descriptions, runbook, actions, timeline.

    `own_runbooks` maps alert ids to the slug of the runbook this service serves for them, linked
    before (and next to) the alert's own runbook_url, which may point at a host nobody can reach.
    """
    own = own_runbooks or {}
    end = incident.resolved_at or view.now
    start = min((alert.starts_at for alert in incident.alerts), default=incident.opened_at)
    return render(
        "incident.html",
        links=links,
        view=view,
        incident=incident,
        age=age(incident.opened_at, end),
        runbooks=runbook_links(incident, links, own),
        own_runbooks={alert_id: links.home + links.runbook(slug) for alert_id, slug in own.items()},
        dashboards=[dashboard_over(url, start, incident.resolved_at) for url in incident.links["dashboards"]],
        shown_alerts=incident.alerts[:ALERTS_OPEN],
        more_alerts=incident.alerts[ALERTS_OPEN:],
        describing=describing,
        timeline=list(reversed(incident.timeline)),
        severities=SEVERITIES,
        describing_names=DESCRIBING,
    )


def login_page(links: Links, *, message: str, next_page: str, csrf_token: str, action: str) -> str:
    """The sign-in form, with why the last attempt was refused and where it returns to."""
    return render(
        "login.html", links=links, message=message, next_page=next_page, csrf_token=csrf_token, action=action
    )


def refused_page(links: Links, *, title: str, message: str, back: str) -> str:
    """Why a request was refused (403, 422), with a link back to where it came from."""
    return render("refused.html", links=links, title=title, message=message, back=back)
