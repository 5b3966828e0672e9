"""Meta's limits on message bodies (`reference/meta-cloud-api.md` §5), checked before a call.

A body Meta would refuse is a permanent failure with a clear reason, not a wasted call and a
130429-eating retry loop. Returns the first problem found, or None.
"""

from __future__ import annotations

from typing import Any


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def problem(body: dict[str, Any]) -> str | None:
    kind = body.get("type")
    if kind == "text":
        text = body["text"]["body"]
        return f"text body over 4096 characters ({len(text)})" if _too_long(text, 4096) else None
    if kind in ("image", "video", "document", "audio", "sticker"):
        media = body[kind]
        if not media.get("id") and not media.get("link"):
            return f"{kind} needs a media id or a link"
        return "caption over 1024 characters" if _too_long(media.get("caption"), 1024) else None
    if kind == "interactive":
        return _interactive(body["interactive"])
    if kind == "template":
        template = body["template"]
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            return "template needs a name and a language code"
        return None
    if kind == "reaction" and not body["reaction"].get("message_id"):
        return "reaction needs the message_id it reacts to"
    return None


def _interactive(interactive: dict[str, Any]) -> str | None:
    body_text = (interactive.get("body") or {}).get("text") or ""
    if not body_text.strip():
        return "interactive message with an empty body"
    if _too_long((interactive.get("footer") or {}).get("text"), 60):
        return "footer over 60 characters"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = [b.get("reply", {}) for b in action.get("buttons", [])]
        if not 1 <= len(buttons) <= 3:
            return f"reply buttons must be 1 to 3, not {len(buttons)}"
        if _too_long(body_text, 1024):
            return "button message body over 1024 characters"
        titles = [str(b.get("title") or "") for b in buttons]
        if any(not t or len(t) > 20 for t in titles):
            return "each button needs a title of 1 to 20 characters"
        if len({t.lower() for t in titles}) != len(titles):
            return "button titles must be unique"
        if any(not b.get("id") or _too_long(b.get("id"), 256) for b in buttons):
            return "each button needs an id of at most 256 characters"
        return None
    sections = action.get("sections") or []
    rows = [row for section in sections for row in section.get("rows", [])]
    if not sections or not rows or len(sections) > 10 or len(rows) > 10:
        return f"a list needs 1 to 10 sections and 1 to 10 rows ({len(sections)}, {len(rows)})"
    if _too_long(action.get("button"), 20):
        return "list button text over 20 characters"
    if _too_long(body_text, 4096):
        return "list body over 4096 characters"
    for row in rows:
        if not row.get("id") or _too_long(row.get("id"), 200):
            return "each list row needs an id of at most 200 characters"
        if not row.get("title") or _too_long(row.get("title"), 24):
            return "each list row needs a title of 1 to 24 characters"
        if _too_long(row.get("description"), 72):
            return "list row description over 72 characters"
    if any(_too_long(s.get("title"), 24) for s in sections):
        return "list section title over 24 characters"
    return None
