"""Read one `messages[]` item (and its sender's `contacts[]` entry) into `MessageInfo`.

The common fields are always present; the type-specific part is read from the object named
after `type` (Meta's convention) and appears under a fixed key only for that type, so a flow can
look at `message.text`, `message.interactive.id` or `message.media.id` without knowing Meta's
many shapes. A type this module does not know is kept with its `type` as given and nothing
else: the item itself travels along as `raw`. Nothing here raises on a malformed item; what
cannot be read is `None`.
"""

from __future__ import annotations

from typing import Any

import orjson

from pytake_ingress.domain.reading import (
    as_bool,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    as_text,
    json_safe,
)
from pytake_shared.contracts.wa_inbound import ContactInfo, ErrorInfo, MessageInfo

MEDIA_KINDS = frozenset({"image", "video", "audio", "document", "sticker"})
# Meta renamed "unknown" to "unsupported"; older API versions still send the former.
UNSUPPORTED_KINDS = frozenset({"unsupported", "unknown"})
_REFERRAL_KEYS = (
    "source_url",
    "source_id",
    "source_type",
    "headline",
    "body",
    "media_type",
    "image_url",
    "video_url",
    "thumbnail_url",
    "ctwa_clid",
)


def read_errors(value: object) -> list[ErrorInfo]:
    """Meta's `errors[]` (on a value, a message or a status), flattened to code/title/text."""
    return [read_error(item) for item in as_list(value) if isinstance(item, dict)]


def read_error(value: object) -> ErrorInfo:
    error = as_dict(value)
    return {
        "code": as_int(error.get("code")),
        "title": as_text(error.get("title")),
        "message": as_text(error.get("message")),
        "details": as_text(as_dict(error.get("error_data")).get("details")),
    }


def match_contact(contacts: object, wa_from: str | None, user_id: str | None) -> Any:
    """The `contacts[]` entry of the sender: by phone, else by BSUID, else the only one."""
    entries = [c for c in as_list(contacts) if isinstance(c, dict)]
    if wa_from is not None:
        for entry in entries:
            if as_str(entry.get("wa_id")) == wa_from:
                return entry
    if user_id is not None:
        for entry in entries:
            if as_str(entry.get("user_id")) == user_id:
                return entry
    return entries[0] if len(entries) == 1 else None


def read_contact(entry: object, wa_from: str | None, user_id: str | None) -> ContactInfo:
    """The sender's identity; the message's own ids fill in what the entry lacks (system
    messages come with no `contacts[]` at all)."""
    contact = as_dict(entry)
    profile = as_dict(contact.get("profile"))
    return {
        "wa_id": as_str(contact.get("wa_id")) or wa_from,
        "user_id": as_str(contact.get("user_id")) or user_id,
        "parent_user_id": as_str(contact.get("parent_user_id")),
        "name": as_text(profile.get("name")),
        "username": as_text(profile.get("username")),
    }


def read_message(item: object) -> MessageInfo:
    message = as_dict(item)
    kind = as_str(message.get("type"))
    info: MessageInfo = {
        "id": as_str(message.get("id")),
        "type": kind,
        "timestamp": as_int(message.get("timestamp")),
        "from": as_str(message.get("from")),
        "from_user_id": as_str(message.get("from_user_id")),
        "text": None,
    }
    if kind is not None:
        _read_kind(info, kind, as_dict(message.get(kind)), message)
    if "context" in message:
        info["context"] = _context(as_dict(message.get("context")))
    if "referral" in message:
        referral = as_dict(message.get("referral"))
        info["referral"] = {key: as_text(referral.get(key)) for key in _REFERRAL_KEYS}
    if "errors" in message:
        info["errors"] = read_errors(message.get("errors"))
    return info


def _read_kind(info: MessageInfo, kind: str, body: dict[str, Any], item: dict[str, Any]) -> None:
    """Fill the part named after the type; unknown types leave `info` as it is."""
    if kind == "text":
        info["text"] = as_text(body.get("body"))
    elif kind == "interactive":
        info["interactive"] = interactive = _interactive(body)
        info["text"] = interactive.get("title") or interactive.get("body")
    elif kind == "button":
        text = as_text(body.get("text"))
        info["button"] = {"payload": as_text(body.get("payload")), "text": text}
        info["text"] = text
    elif kind in MEDIA_KINDS:
        info["media"] = _media(kind, body)
    elif kind == "location":
        info["location"] = {
            "latitude": as_float(body.get("latitude")),
            "longitude": as_float(body.get("longitude")),
            "name": as_text(body.get("name")),
            "address": as_text(body.get("address")),
            "url": as_text(body.get("url")),
        }
    elif kind == "contacts":
        # Contact cards have a dozen optional sub-objects; they are passed on as sent.
        info["contacts"] = [c for c in as_list(item.get("contacts")) if isinstance(c, dict)]
    elif kind == "reaction":
        emoji = as_str(body.get("emoji"))
        info["reaction"] = {
            "message_id": as_str(body.get("message_id")),
            "emoji": emoji,
            # Meta signals a removed reaction with an empty emoji, or with no emoji at all.
            "removed": emoji is None,
        }
    elif kind == "order":
        info["order"] = {
            "catalog_id": as_str(body.get("catalog_id")),
            "text": as_text(body.get("text")),
            "product_items": [p for p in as_list(body.get("product_items")) if isinstance(p, dict)],
        }
        info["text"] = info["order"]["text"]
    elif kind == "system":
        info["system"] = {
            "type": as_str(body.get("type")),
            "body": as_text(body.get("body")),
            "wa_id": as_str(body.get("wa_id")),
            "user_id": as_str(body.get("user_id")),
            "identity": body.get("identity") if isinstance(body.get("identity"), dict) else None,
        }
    elif kind in UNSUPPORTED_KINDS:
        info["unsupported"] = {"type": as_str(body.get("type"))}
    elif kind == "revoke":
        info["revoke"] = {"original_message_id": as_str(body.get("original_message_id"))}
    elif kind == "edit":
        info["edit"] = {"original_message_id": as_str(body.get("original_message_id"))}


def _interactive(body: dict[str, Any]) -> dict[str, Any]:
    kind = as_str(body.get("type"))
    reply = as_dict(body.get(kind)) if kind is not None else {}
    if kind == "nfm_reply":
        return {
            "type": kind,
            "name": as_text(reply.get("name")),
            "body": as_text(reply.get("body")),
            "response_json": _parse_json(reply.get("response_json")),
        }
    return {
        "type": kind,
        "id": as_str(reply.get("id")),
        "title": as_text(reply.get("title")),
        "description": as_text(reply.get("description")),
    }


def _parse_json(value: object) -> Any:
    """Flows answer with `response_json` as a JSON *string*; parse it, else keep it as sent."""
    if isinstance(value, str):
        try:
            return json_safe(orjson.loads(value))
        except ValueError:  # orjson.JSONDecodeError, and text that is not UTF-8
            return as_text(value)
    return json_safe(value)


def _media(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": as_str(body.get("id")),
        "mime_type": as_text(body.get("mime_type")),
        "sha256": as_text(body.get("sha256")),
        "caption": as_text(body.get("caption")),
        "filename": as_text(body.get("filename")),
        "voice": as_bool(body.get("voice")),
        "animated": as_bool(body.get("animated")),
        "url": as_text(body.get("url")),
    }


def _context(context: dict[str, Any]) -> dict[str, Any]:
    product = context.get("referred_product")
    return {
        "from": as_str(context.get("from")),
        "id": as_str(context.get("id")),
        "forwarded": context.get("forwarded") is True,
        "frequently_forwarded": context.get("frequently_forwarded") is True,
        "referred_product": (
            {
                "catalog_id": as_str(product.get("catalog_id")),
                "product_retailer_id": as_str(product.get("product_retailer_id")),
            }
            if isinstance(product, dict)
            else None
        ),
    }
