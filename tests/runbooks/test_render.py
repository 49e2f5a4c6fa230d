"""Runbook HTML: untrusted text is escaped, headings are linkable, runbook links use the site's paths."""

from __future__ import annotations

import re
from pathlib import Path

from observability.runbooks import Runbook, load_runbooks, render_html, render_markdown


def runbook(body: str) -> Runbook:
    return Runbook("api-down", "runbooks/api-down.md", body=body)


def test_raw_html_in_a_runbook_is_escaped_not_rendered() -> None:
    html = render_html(
        runbook('## Meaning\n\n<script>alert("x")</script>\n\nText <img src=x onerror=alert(1)>\n')
    )
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Text &lt;img src=x onerror=alert(1)&gt;" in html


def test_code_blocks_are_escaped_and_keep_their_language() -> None:
    html = render_markdown('```promql\nup{job="api"} < 1\n```\n')
    assert html == '<pre><code class="language-promql">up{job=&quot;api&quot;} &lt; 1\n</code></pre>\n'


def test_javascript_links_are_not_rendered_as_links() -> None:
    html = render_markdown("[click](javascript:alert(1))\n")
    assert "href" not in html


def test_headings_get_unique_anchor_ids() -> None:
    html = render_markdown("## Diagnosis\n\n### Step 1: the pool\n\n### Step 1: the pool\n")
    assert '<h2 id="diagnosis">Diagnosis</h2>' in html
    assert '<h3 id="step-1-the-pool">' in html and '<h3 id="step-1-the-pool-2">' in html


def test_links_to_runbook_files_become_site_paths_and_others_are_kept() -> None:
    html = render_markdown(
        "[a](postgres-locks.md) [b](postgres-locks.md#diagnosis) [c](index.md)"
        " [d](https://example.com/readme.md) [e](#impact)\n"
    )
    assert '<a href="postgres-locks">a</a>' in html
    assert '<a href="postgres-locks#diagnosis">b</a>' in html
    assert '<a href="./">c</a>' in html
    assert '<a href="https://example.com/readme.md">d</a>' in html
    assert '<a href="#impact">e</a>' in html


def test_every_committed_runbook_renders_its_five_sections() -> None:
    runbooks = load_runbooks(Path(__file__).resolve().parents[2] / "runbooks")
    for item in runbooks.values():
        html = render_html(item)
        for anchor in ("meaning", "impact", "diagnosis", "mitigation", "escalation"):
            assert f'<h2 id="{anchor}">' in html, item.source
        assert not re.search(r'href="[^":]*\.md[#"]', html), (
            f"{item.source}: a link still points at a .md file"
        )
