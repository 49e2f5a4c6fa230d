"""`GET /`: the fake's channels and their messages, Block Kit drawn roughly, everything escaped."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .workspace import Message, Workspace

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"\*([^*\n]+)\*")
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;display:flex;min-height:100vh}
nav{background:#3f0e40;color:#fff;padding:1em;min-width:14em}nav a{color:#fff;display:block;padding:.2em 0}
nav a.here{font-weight:bold}main{padding:1em 2em;flex:1;max-width:60em}
.msg{border-bottom:1px solid #eee;padding:.6em 0}.ts{color:#888;font-size:12px}
.block{margin:.3em 0}.fields{display:grid;grid-template-columns:1fr 1fr;gap:.2em 1em}
.header{font-size:18px;font-weight:bold}.context{color:#666;font-size:12px}
button{margin-right:.4em;border:1px solid #bbb;background:#fff;border-radius:4px;padding:.2em .8em}
button.primary{background:#007a5a;color:#fff}button.danger{background:#e01e5a;color:#fff}
.ephemeral{background:#f8f8f8;font-style:italic}
.thread{margin-left:2em;border-left:3px solid #ddd;padding-left:1em}.meta{color:#999;font-size:11px}
"""


def mrkdwn(text: str) -> str:
    """Slack mrkdwn to HTML: <url|label> links (http/https only) and *bold*; the rest escaped.

    Slack's own escapes (&lt; &gt; &amp;) show as the characters they stand for.
    """
    out, last = [], 0
    for match in _LINK.finditer(text):
        out.append(_bold(_plain(text[last : match.start()])))
        target, label = _slack_unescape(match.group(1)), _slack_unescape(match.group(2) or match.group(1))
        if target.startswith(("http://", "https://")):
            out.append(f'<a href="{escape(target)}">{escape(label)}</a>')
        else:
            out.append(escape(label))  # <@U123>, <!here>, <#C123>: shown as written
        last = match.end()
    out.append(_bold(_plain(text[last:])))
    return "".join(out).replace("\n", "<br>")


def _slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _plain(text: str) -> str:
    return escape(_slack_unescape(text))


def _bold(html: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", html)


def _text(obj: Any) -> str:
    if not isinstance(obj, dict):
        return ""
    value = str(obj.get("text", ""))
    return mrkdwn(value) if obj.get("type") == "mrkdwn" else escape(value)


def _element(element: Any) -> str:
    if not isinstance(element, dict):
        return ""
    if element.get("type") in ("mrkdwn", "plain_text"):
        return f"<span>{_text(element)}</span>"
    if element.get("type") == "button":
        style = escape(str(element.get("style", "")))
        label = _text(element.get("text"))
        title = escape(f"action_id={element.get('action_id', '')} value={element.get('value', '')}")
        if str(element.get("url", "")).startswith(("http://", "https://")):
            return f'<a href="{escape(element["url"])}"><button class="{style}">{label}</button></a>'
        return f'<button class="{style}" title="{title}" disabled>{label}</button>'
    if element.get("type") == "image":
        return f"[image: {escape(str(element.get('alt_text', '')))}]"
    return f"[{escape(str(element.get('type')))}]"


def render_block(block: Any) -> str:
    if not isinstance(block, dict):
        return ""
    kind = block.get("type")
    if kind == "header":
        return f'<div class="block header">{_text(block.get("text"))}</div>'
    if kind == "divider":
        return "<hr>"
    if kind == "section":
        parts = [f"<div>{_text(block.get('text'))}</div>"] if "text" in block else []
        if block.get("fields"):
            fields = "".join(f"<div>{_text(f)}</div>" for f in block["fields"])
            parts.append(f'<div class="fields">{fields}</div>')
        if "accessory" in block:
            parts.append(_element(block["accessory"]))
        return f'<div class="block">{"".join(parts)}</div>'
    if kind in ("context", "actions"):
        inner = " ".join(_element(e) for e in block.get("elements", []))
        return f'<div class="block {escape(str(kind))}">{inner}</div>'
    return f'<div class="block context">[{escape(str(kind))} block]</div>'


def render_message(ws: Workspace, message: Message) -> str:
    body = "".join(render_block(b) for b in message.blocks) if message.blocks else mrkdwn(message.text)
    meta = ""
    if message.metadata:
        meta = f'<div class="meta">metadata {escape(str(message.metadata.get("event_type")))}: '
        meta += f"{escape(str(message.metadata.get('event_payload')))}</div>"
    edited = " (edited)" if message.edited_ts else ""
    replies = "".join(render_message(ws, ws.message(message.channel, ts)) for ts in message.replies)
    thread = f'<div class="thread">{replies}</div>' if replies else ""
    return (
        f'<div class="msg" id="m{escape(message.ts)}"><div class="ts">{escape(message.ts)}{edited}</div>'
        f"{body}{meta}{thread}</div>"
    )


def render_page(ws: Workspace, channel_id: str | None) -> str:
    links = "".join(
        f'<a class="{"here" if c.id == channel_id else ""}" href="/?channel={escape(c.id)}">'
        f"# {escape(c.name)} ({len(ws.messages[c.id])})</a>"
        for c in ws.channels.values()
    )
    if channel_id in ws.channels:
        channel = ws.channels[channel_id]
        top = [m for m in ws.messages[channel.id] if m.thread_ts is None]
        content = f"<h2># {escape(channel.name)}</h2><p>{escape(channel.topic)}</p>"
        content += "".join(render_message(ws, m) for m in top) or "<p>No messages yet.</p>"
        content += "".join(
            f'<div class="msg ephemeral"><div class="ts">only visible to {escape(str(e["user"]))}</div>'
            f"{mrkdwn(str(e.get('text') or ''))}</div>"
            for e in ws.ephemerals
            if e["channel"] == channel.id
        )
    else:
        content = "<h2>Fake Slack</h2><p>Pick a channel. The page refreshes every 3 s.</p>"
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">'
        f"<title>Fake Slack</title><style>{_STYLE}</style></head>"
        f"<body><nav><b>Fake Workspace</b>{links}</nav><main>{content}</main></body></html>"
    )


async def page(request: Request) -> Response:
    ws: Workspace = request.app.state.workspace
    return HTMLResponse(render_page(ws, request.query_params.get("channel")))


routes = [Route("/", page)]
