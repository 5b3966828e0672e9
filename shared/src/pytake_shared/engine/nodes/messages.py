"""Nodes that send and move on or stop: start, message (text or media), end, whatsapp_template
and handoff."""

from __future__ import annotations

from typing import Any

from pytake_shared.contracts.conversation_events import NodeFailed
from pytake_shared.engine.flow import Node
from pytake_shared.engine.run import Run

MEDIA_TYPES = ("image", "video", "document", "audio", "sticker")
PRIORITIES = ("low", "normal", "high", "urgent")
MAX_CAPTION = 1024


def start(run: Run, node: Node) -> Node | None:
    return run.follow(node)


def message(run: Run, node: Node) -> Node | None:
    data = node.data
    text = run.render(data.get("content"))
    media_type = str(data.get("mediaType") or "").lower()
    url = run.render(data.get("mediaUrl"))
    # A file uploaded to PyTake (`POST /api/v1/media`): the sender uploads it to Meta once.
    stored = data.get("mediaFile")
    stored = stored.strip() if isinstance(stored, str) else ""
    if media_type not in MEDIA_TYPES or not (url or stored):
        return run.follow(node) if run.send(node.id, {"kind": "text", "text": text}) else None
    caption = run.render(data.get("caption")) or text
    media: dict[str, Any] = {"kind": "media", "media_type": media_type}
    if stored:
        media["media_file"] = stored
    else:
        media["media_url"] = url
    if media_type in ("audio", "sticker"):
        # These carry no caption on WhatsApp: the text goes first, as a message of its own.
        if caption and not run.send(node.id, {"kind": "text", "text": caption}):
            return None
    elif caption:
        media["caption"] = caption[:MAX_CAPTION]
    if media_type == "document" and data.get("filename"):
        media["filename"] = run.render(data["filename"])
    return run.follow(node) if run.send(node.id, media) else None


def end(run: Run, node: Node) -> Node | None:
    text = run.render(node.data.get("content"))
    if text and not run.send(node.id, {"kind": "text", "text": text}):
        return None
    run.close("completed")
    return None


def whatsapp_template(run: Run, node: Node) -> Node | None:
    data = node.data
    name = run.render(data.get("templateName")).strip()
    if not name:
        run.emit(NodeFailed(node_id=node.id, reason="whatsapp_template without templateName"))
        return run.follow(node)
    items = data.get("components")
    components = [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []
    message = {
        "kind": "template",
        "template_name": name,
        "language_code": run.render(data.get("languageCode")).strip() or "en_US",
        # Only parameters are rendered: the rest is Meta's own structure, `{{1}}` included.
        "components": [_parameters_rendered(run, c) for c in components],
    }
    run.send(node.id, message)  # templates are allowed outside the window: never refused
    return run.follow(node)


def _parameters_rendered(run: Run, value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: run.render_value(v) if k == "parameters" else _parameters_rendered(run, v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_parameters_rendered(run, v) for v in value]
    return value


def handoff(run: Run, node: Node) -> Node | None:
    data = node.data
    text = run.render(data.get("transferMessage")) or run.text("transfer_message")
    # Outside the window the transfer message cannot go, but the handoff itself still must.
    if data.get("sendTransferMessage", True) is not False and text and run.window_open:
        run.send(node.id, {"kind": "text", "text": text})
    priority = str(data.get("priority") or "normal").lower()
    run.handoff(
        node.id,
        "node",
        priority=priority if priority in PRIORITIES else "normal",
        context=run.render(data.get("contextMessage")),
    )
    return None
