"""Block Kit checks the real Slack makes, so a card that Slack would refuse is refused here too.

Only the limits a notifier is likely to hit: block counts, text lengths, fields, buttons, modal titles.
Errors read like Slack's: `["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]`.
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
TEXT_OBJECT_TYPES = frozenset({"plain_text", "mrkdwn"})
KNOWN_BLOCKS = frozenset(
    {"section", "header", "divider", "context", "actions", "image", "rich_text", "input", "markdown"}
)


def block_errors(blocks: Any, *, limit: int = MESSAGE_BLOCKS_MAX, where: str = "/blocks") -> list[str]:
    """Slack-style error strings for a blocks array; empty when Slack would accept it."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{where}]"]
    errors = []
    if len(blocks) > limit:
        errors.append(f"must be less than {limit + 1} items [json-pointer:{where}]")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        errors += _block_errors(block, f"{where}/{index}", block_ids)
    return errors


def view_errors(view: Any) -> list[str]:
    """Slack-style errors for a modal view (title and buttons at most 24 characters, ≤100 blocks)."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    errors = []
    if view.get("type") not in ("modal", "home"):
        errors.append("must be 'modal' or 'home' [json-pointer:/view/type]")
    for key in ("title", "submit", "close"):
        if key in view or (key == "title" and view.get("type") == "modal"):
            errors += _text_errors(view.get(key), f"/view/{key}", 24, plain_only=True)
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append("must be less than 3001 characters [json-pointer:/view/private_metadata]")
    if len(str(view.get("callback_id", ""))) > 255:
        errors.append("must be less than 256 characters [json-pointer:/view/callback_id]")
    return errors + block_errors(view.get("blocks", []), limit=VIEW_BLOCKS_MAX, where="/view/blocks")


def _block_errors(block: Any, where: str, block_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return [f"must be an object [json-pointer:{where}]"]
    kind = block.get("type")
    if kind not in KNOWN_BLOCKS:
        return [f"unsupported type {kind!r} [json-pointer:{where}/type]"]
    errors = []
    block_id = block.get("block_id")
    if block_id is not None:
        if len(str(block_id)) > 255:
            errors.append(f"must be less than 256 characters [json-pointer:{where}/block_id]")
        if block_id in block_ids:
            errors.append(f"duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
        block_ids.add(block_id)
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"must provide text or fields [json-pointer:{where}]")
        if "text" in block:
            errors += _text_errors(block["text"], f"{where}/text", 3000)
        fields = block.get("fields", [])
        if not isinstance(fields, list) or len(fields) > 10:
            errors.append(f"must be an array of at most 10 items [json-pointer:{where}/fields]")
        else:
            for i, item in enumerate(fields):
                errors += _text_errors(item, f"{where}/fields/{i}", 2000)
        if "accessory" in block:
            errors += _element_errors(block["accessory"], f"{where}/accessory")
    elif kind == "header":
        errors += _text_errors(block.get("text"), f"{where}/text", 150, plain_only=True)
    elif kind in ("context", "actions"):
        elements = block.get("elements")
        most = 10 if kind == "context" else 25
        if not isinstance(elements, list) or not 0 < len(elements) <= most:
            errors.append(f"must be an array of 1 to {most} items [json-pointer:{where}/elements]")
        else:
            for i, element in enumerate(elements):
                path = f"{where}/elements/{i}"
                is_text = isinstance(element, dict) and element.get("type") in TEXT_OBJECT_TYPES
                errors += _text_errors(element, path, 3000) if is_text else _element_errors(element, path)
    return errors


def _element_errors(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict) or "type" not in element:
        return [f"must be an element object [json-pointer:{where}]"]
    errors = []
    if len(str(element.get("action_id", ""))) > 255:
        errors.append(f"must be less than 256 characters [json-pointer:{where}/action_id]")
    if element["type"] == "button":
        errors += _text_errors(element.get("text"), f"{where}/text", 75, plain_only=True)
        if len(str(element.get("value", ""))) > 2000:
            errors.append(f"must be less than 2001 characters [json-pointer:{where}/value]")
        if len(str(element.get("url", ""))) > 3000:
            errors.append(f"must be less than 3001 characters [json-pointer:{where}/url]")
    return errors


def _text_errors(text: Any, where: str, most: int, *, plain_only: bool = False) -> list[str]:
    kinds = {"plain_text"} if plain_only else TEXT_OBJECT_TYPES
    if not isinstance(text, dict) or text.get("type") not in kinds:
        return [f"must be a {' or '.join(sorted(kinds))} text object [json-pointer:{where}]"]
    value = text.get("text")
    if not isinstance(value, str) or not value:
        return [f"must be a non-empty string [json-pointer:{where}/text]"]
    if len(value) > most:
        return [f"must be less than {most + 1} characters [json-pointer:{where}/text]"]
    return []
