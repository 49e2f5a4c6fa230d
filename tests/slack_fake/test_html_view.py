"""The fake's HTML view draws mrkdwn and Block Kit with every piece of text escaped."""

from __future__ import annotations

from demo.fake_slack.html_view import mrkdwn, render_block


def test_mrkdwn_links_only_http_and_escapes_everything_else() -> None:
    assert mrkdwn("<https://x.example/a?b=1&amp;c=2|the runbook>") == (
        '<a href="https://x.example/a?b=1&amp;c=2">the runbook</a>'
    )
    assert mrkdwn("<javascript:alert(1)|click>") == "click"
    # Slack sends a literal < as &lt;; a raw <...> is a Slack token, drawn as its text
    assert mrkdwn('<@U04ANNA001> said "<img src=x onerror=alert(1)>"') == (
        "@U04ANNA001 said &quot;img src=x onerror=alert(1)&quot;"
    )
    assert mrkdwn("a &lt;b&gt; &amp;amp; c") == "a &lt;b&gt; &amp;amp; c"  # Slack's escapes, undone once
    assert mrkdwn("*SEV1* & more\nline") == "<b>SEV1</b> &amp; more<br>line"


def test_buttons_with_a_url_link_and_others_are_drawn_disabled() -> None:
    actions = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Runbook"},
                "url": "https://r.example/",
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "<Ack>"},
                "action_id": "ack",
                "style": "primary",
            },
        ],
    }
    html = render_block(actions)
    assert '<a href="https://r.example/"><button class="">Runbook</button></a>' in html
    assert '<button class="primary" title="action_id=ack value=" disabled>&lt;Ack&gt;</button>' in html


def test_unknown_blocks_are_named_not_dropped() -> None:
    assert render_block({"type": "<video>"}) == '<div class="block context">[&lt;video&gt; block]</div>'
