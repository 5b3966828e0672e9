"""Validation of a `POST /{version}/{phone_number_id}/messages` body, the way Meta checks it.

`parse_body` turns raw bytes into JSON (or Meta's code 100); `validate_request` turns that JSON
into either a `SendRequest` (a message to deliver) or a `MarkRead` (the read receipt /
typing-indicator form of the same endpoint), or raises `MetaError`. Codes: 131008 for an absent
required parameter, 131009 where Meta names a value invalid (a malformed message id; counts and
duplicates in `interactive.py`), 100 for everything else (wrong type, unknown value, length).
As on Meta, `type` defaults to `text`; templates are the only type that escapes a closed
customer-service window.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytake_tools.metasim import params
from pytake_tools.metasim.errors import invalid, missing, not_valid
from pytake_tools.metasim.interactive import validate_interactive

MESSAGE_TYPES = frozenset(
    {
        "text",
        "image",
        "video",
        "audio",
        "document",
        "sticker",
        "location",
        "contacts",
        "interactive",
        "template",
        "reaction",
    }
)
MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})
CAPTIONED = frozenset({"image", "video", "document"})
# Meta allows a leading +, spaces, dashes, dots and parentheses around the digits.
PHONE_RE = re.compile(r"\+?[0-9 ().\-]*[0-9][0-9 ().\-]*")


@dataclass(frozen=True, slots=True)
class SendRequest:
    """An accepted message: who it goes to and what the status webhooks must echo."""

    to: str | None
    recipient: str | None  # a business-scoped user id, when sent without a phone number
    type: str
    biz_opaque_callback_data: str | None

    @property
    def input(self) -> str:
        return self.to if self.to is not None else self.recipient or ""

    @property
    def wa_id(self) -> str | None:
        return digits(self.to) if self.to is not None else None


@dataclass(frozen=True, slots=True)
class MarkRead:
    message_id: str
    typing_indicator: bool


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isascii() and ch.isdigit())


def _reject_constant(name: str) -> Any:
    # Python accepts NaN/Infinity, JSON (and Meta) do not; they would also break our answers.
    raise ValueError(f"{name} is not JSON")


def parse_body(raw: bytes) -> Any:
    """The JSON document in `raw`, or code 100 as Meta answers a body it cannot parse."""
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise invalid("Request body is not valid JSON.") from None


def validate_request(body: Any) -> SendRequest | MarkRead:
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object.")
    product = body.get("messaging_product")
    if product is None:
        raise missing("The parameter messaging_product is required.")
    if product != "whatsapp":
        raise invalid("Param messaging_product must be 'whatsapp'.")
    if "status" in body:
        return _mark_read(body)
    return _send(body)


def _mark_read(body: dict[str, Any]) -> MarkRead:
    if body.get("status") != "read":
        raise invalid("Param status must be 'read'.")
    message_id = params.text(body, "message_id", "")
    if not message_id.startswith("wamid.") or len(message_id) > 512:
        raise not_valid(f"Invalid message_id: {message_id[:64]!r} is not a WhatsApp message id.")
    indicator = params.opt_obj(body, "typing_indicator", "")
    if indicator is not None:
        params.choice(indicator, "type", "typing_indicator", frozenset({"text"}))
    return MarkRead(message_id=message_id, typing_indicator=indicator is not None)


def _send(body: dict[str, Any]) -> SendRequest:
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type not in ("individual", "group"):
        raise invalid("Param recipient_type must be one of {group, individual}.")
    to, recipient = _recipient(body, group=recipient_type == "group")
    kind = body.get("type", "text")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        raise invalid(f"Param type must be one of {{{', '.join(sorted(MESSAGE_TYPES))}}}.")
    context = params.opt_obj(body, "context", "")
    if context is not None:
        params.text(context, "message_id", "context")
    opaque = params.opt_text(body, "biz_opaque_callback_data", "", max_len=512)
    if kind == "contacts":  # the only type whose payload is an array, not an object
        _contacts(params.array(body, "contacts", ""))
    else:
        _CHECKS[kind](kind, params.obj(body, kind, ""))
    return SendRequest(to=to, recipient=recipient, type=kind, biz_opaque_callback_data=opaque)


def _recipient(body: dict[str, Any], *, group: bool) -> tuple[str | None, str | None]:
    if body.get("to") is not None:
        to = params.text(body, "to", "", max_len=64)
        # Group ids are opaque strings; individual recipients are phone numbers.
        if not group and PHONE_RE.fullmatch(to) is None:
            raise invalid("Param to must be a phone number (digits, with an optional +).")
        return to, None
    if body.get("recipient") is not None:
        return None, params.text(body, "recipient", "", max_len=128)
    raise missing("The parameter to is required.")


def _text(kind: str, message: dict[str, Any]) -> None:
    params.text(message, "body", kind, max_len=4096)
    params.flag(message, "preview_url", kind)


def _media(kind: str, message: dict[str, Any]) -> None:
    media_id = params.opt_text(message, "id", kind)
    link = params.opt_text(message, "link", kind, max_len=2048)
    if not media_id and not link:
        raise missing(f"The parameter {kind}['id'] or {kind}['link'] is required.")
    if link and not link.startswith(("https://", "http://")):
        raise invalid(f"Param {kind}['link'] must be an http(s) URL.")
    if kind in CAPTIONED:
        params.opt_text(message, "caption", kind, max_len=1024)
    if kind == "document":
        params.opt_text(message, "filename", kind, max_len=240)


def _location(kind: str, message: dict[str, Any]) -> None:
    params.number(message, "latitude", kind, bound=90)
    params.number(message, "longitude", kind, bound=180)
    params.opt_text(message, "name", kind, max_len=1000)
    params.opt_text(message, "address", kind, max_len=1000)


def _contacts(cards: list[Any]) -> None:
    if not cards:
        raise invalid("Param contacts must contain at least one contact.")
    for index in range(len(cards)):
        card = params.item_obj(cards, index, "contacts")
        path = params.where("contacts", index)
        name = params.obj(card, "name", path)
        params.text(name, "formatted_name", f"{path}['name']")


def _template(kind: str, message: dict[str, Any]) -> None:
    params.text(message, "name", kind, max_len=512)
    language = params.obj(message, "language", kind)
    params.text(language, "code", f"{kind}['language']", max_len=16)
    components = message.get("components")
    if components is None:
        return
    if not isinstance(components, list):
        raise invalid(f"Param {kind}['components'] must be an array.")
    path = f"{kind}['components']"
    for index in range(len(components)):
        component = params.item_obj(components, index, path)
        params.text(component, "type", params.where(path, index))


def _reaction(kind: str, message: dict[str, Any]) -> None:
    params.text(message, "message_id", kind)
    params.opt_text(message, "emoji", kind, max_len=16)  # "" removes the reaction


def _interactive(kind: str, message: dict[str, Any]) -> None:
    validate_interactive(message)


_CHECKS: dict[str, Callable[[str, dict[str, Any]], None]] = {
    "text": _text,
    "image": _media,
    "video": _media,
    "audio": _media,
    "document": _media,
    "sticker": _media,
    "location": _location,
    "interactive": _interactive,
    "template": _template,
    "reaction": _reaction,
}
