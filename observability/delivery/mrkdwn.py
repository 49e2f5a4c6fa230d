"""Untrusted text made safe for Slack mrkdwn: `&`, `<`, `>` escaped, so nothing becomes a link or mention."""

from __future__ import annotations


def escape(text: str) -> str:
    """Text as Slack shows it literally (no `<!channel>`, `<@U…>` or `<url|label>` from alert text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link to `url` (itself escaped, with `|` dropped) labelled with escaped `label`."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def mention(slack_user_id: str) -> str:
    return f"<@{slack_user_id}>"
