"""Graph API request bodies for each outbound kind the executor emits."""

from __future__ import annotations

from typing import Any

from pytake_sender.domain.limits import problem
from pytake_shared.contracts import OutboundMessage, SendMessage


class UnsendableError(ValueError):
    """A message Meta would reject whatever we do: a permanent failure with this reason."""


def _recipient(cmd: SendMessage) -> dict[str, str]:
    if cmd.contact.wa_id:
        return {"to": "+" + cmd.contact.wa_id.lstrip("+")}
    if cmd.contact.user_id:
        return {"recipient": cmd.contact.user_id}
    raise UnsendableError("contact has neither a phone number nor a user id")


def build_body(cmd: SendMessage) -> dict[str, Any]:
    msg = cmd.message
    if msg.kind == "mark_read":
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": msg.message_id,
        }
        if msg.typing_indicator:
            body["typing_indicator"] = {"type": "text"}
        return body
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", **_recipient(cmd)}
    body.update(_content(msg))
    if (issue := problem(body)) is not None:
        raise UnsendableError(issue)
    if msg.reply_to and msg.kind != "reaction":
        body["context"] = {"message_id": msg.reply_to}
    # Meta echoes it in the status webhooks: how a send whose answer was lost (a timeout, a
    # crash) is recognised as accepted without sending it again.
    body["biz_opaque_callback_data"] = cmd.outbound_id
    return body


def _content(msg: OutboundMessage) -> dict[str, Any]:
    if msg.kind == "text":
        if not msg.text:
            raise UnsendableError("text message with an empty body")
        return {"type": "text", "text": {"body": msg.text, "preview_url": msg.preview_url}}
    if msg.kind == "media":
        kind = msg.media_type or "image"
        media: dict[str, Any] = {"id": msg.media_id} if msg.media_id else {"link": msg.media_url}
        if msg.caption and kind != "audio" and kind != "sticker":
            media["caption"] = msg.caption
        if msg.filename and kind == "document":
            media["filename"] = msg.filename
        return {"type": kind, kind: media}
    if msg.kind in ("buttons", "list"):
        interactive: dict[str, Any] = {
            "type": "button" if msg.kind == "buttons" else "list",
            "body": {"text": msg.text or ""},
        }
        if msg.header:
            interactive["header"] = {"type": "text", "text": msg.header}
        if msg.footer:
            interactive["footer"] = {"text": msg.footer}
        if msg.kind == "buttons":
            interactive["action"] = {
                "buttons": [
                    {"type": "reply", "reply": {"id": b["id"], "title": b["title"]}}
                    for b in msg.buttons
                ]
            }
        else:
            interactive["action"] = {
                "button": msg.button_text or "Options",
                "sections": msg.sections,
            }
        return {"type": "interactive", "interactive": interactive}
    if msg.kind == "template":
        return {
            "type": "template",
            "template": {
                "name": msg.template_name,
                "language": {"code": msg.language_code or "en_US"},
                "components": msg.components,
            },
        }
    if msg.kind == "reaction":
        return {
            "type": "reaction",
            "reaction": {"message_id": msg.message_id, "emoji": msg.emoji or ""},
        }
    raise UnsendableError(f"unknown outbound kind {msg.kind}")  # pragma: no cover
