"""The draft is a pure function of the stored records: timeline order, automatic events, durations."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from observability.incidents.durations import durations
from observability.reviews.draft import build_draft, expression_of
from observability.reviews.graphs import NOT_CONFIGURED, draw_graphs
from observability.reviews.render import render_review, templates_folder
from tests.reviews.records import (
    EXPR,
    GENERATOR,
    NOW,
    PEOPLE,
    AlertRecord,
    EpisodeRecord,
    IncidentRecord,
    fixed_timeline,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "incident-42-review.md"


def fixed_draft():  # type: ignore[no-untyped-def]
    return build_draft(
        IncidentRecord(), [EpisodeRecord()], [AlertRecord()], fixed_timeline(), people=PEOPLE, now=NOW
    )


def test_generator_url_gives_the_alert_expression() -> None:
    assert expression_of(GENERATOR) == EXPR
    assert expression_of("http://prometheus/graph") == ""
    assert expression_of("not a url [") == ""


def test_timeline_is_in_time_order_and_marks_the_systems_events_automatic() -> None:
    draft = fixed_draft()
    assert [e.kind for e in draft.timeline] == [
        "opened",
        "alert_fired",
        "escalated",
        "note",
        "acknowledged",
        "alert_resolved",
        "resolved",
    ]
    times = [e.at for e in draft.timeline]
    assert times == sorted(times)
    automatic = {e.kind: e.automatic for e in draft.timeline}
    assert automatic["opened"] and automatic["escalated"] and automatic["resolved"]
    assert not automatic["note"] and not automatic["acknowledged"]


def test_durations_are_the_stored_episode_timestamps() -> None:
    draft = fixed_draft()
    [episode] = draft.episodes
    expected = durations(EpisodeRecord())
    assert (episode.ttd, episode.tta, episode.ttm, episode.ttr) == (
        expected.ttd,
        expected.tta,
        expected.ttm,
        expected.ttr,
    )
    assert episode.tta == timedelta(minutes=4, seconds=27)
    assert episode.ttr == timedelta(minutes=41, seconds=7)


def test_response_names_who_was_paged_and_the_steps_that_ran() -> None:
    draft = fixed_draft()
    assert draft.paged == ("Dmitri Ivanov",)
    assert draft.acknowledged_by == ("anna",)
    [run] = draft.escalations
    assert (run.policy, run.step, run.cycle, run.round) == ("platform-critical", 1, 1, 0)


def test_window_and_dashboards_cover_impact_start_minus_and_resolve_plus_thirty_minutes() -> None:
    draft = fixed_draft()
    assert draft.window_start == EpisodeRecord().impact_started_at - timedelta(minutes=30)
    assert draft.window_end == IncidentRecord().resolved_at + timedelta(minutes=30)  # type: ignore[operator]
    [dashboard] = draft.dashboards
    assert f"from={int(draft.window_start.timestamp() * 1000)}" in dashboard.url


def test_markdown_of_the_fixed_incident_matches_the_golden_file() -> None:
    """Regenerate on purpose with OBS_UPDATE_GOLDEN=1 after changing the template or the draft."""
    draft = fixed_draft()
    graphs = draw_graphs(draft, None, now=NOW)
    markdown = render_review(draft, graphs, templates_folder(REPO)).markdown
    if os.environ.get("OBS_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8"), "run with OBS_UPDATE_GOLDEN=1 to accept the change"
    assert NOT_CONFIGURED in markdown.replace("\\_", "_")


def test_markdown_escaping_leaves_no_markup_in_a_value() -> None:
    from markdown_it import MarkdownIt

    from observability.reviews.markdown_text import code_span, escape_markdown, markdown_link

    hostile = "# h\n- item | cell *em* _u_ `c` <b>x</b> &amp; [l](javascript:alert(1)) ![i](http://x/i.png)"
    link = markdown_link("javascript:alert(1)", "go")
    row = f"| {escape_markdown(hostile)} | {code_span('a|b`c')} | {link} |"
    table = "| a | b | c |\n| --- | --- | --- |\n" + row + "\n"
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(table)
    assert html.count("<td>") == 3  # no pipe split a cell
    for tag in ("<h1", "<li", "<em", "<strong", "<b>", "<a ", "<img"):
        assert tag not in html, tag
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "&amp;amp;" in html
    assert markdown_link("https://ok.example/a?b=(c)", "ok") == "[ok](<https://ok.example/a?b=%28c%29>)"
