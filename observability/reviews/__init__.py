"""Post-incident reviews: draft data, rendering, graphs of what fired, stored versions, the report.

- `draft.build_draft(incident, episodes, alerts, timeline, people=, now=) -> ReviewDraft` (pure);
- `graphs.draw_graphs(draft, source, now=)`: one PNG per alert expression, or why there is none;
- `render.render_review(draft, graphs, templates)`: Markdown and HTML from `incident/templates/`;
- `versions.make_review(session, ...)`: render and store a new version when anything changed;
- `wanted`: drafts wanted on resolve, as rows a scheduled job settles;
- `report.build_report(...)`: learning across incidents (medians and p90s).
"""
