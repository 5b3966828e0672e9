"""The records ingress publishes on `wa.inbound.v1`: event type names and the shape of `data`.

Every webhook item becomes one `Envelope` whose `type` is one of the five names below and whose
`data` follows the matching `TypedDict`. They are `TypedDict`s rather than Pydantic models
because the normalizer builds them from untrusted input that it has already checked field by
field; the envelope carries them as plain JSON. Keys marked `NotRequired` appear only where the
item has that part (a `media` key only on media messages, `context` only on replies and
forwards…); every other key is always present, `None` when Meta did not send it. `raw` is always
the item exactly as received (made JSON-safe only if it could not be serialized at all), so a
consumer can re-read whatever the normalizer does not understand yet.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from pytake_shared import contracts

# The names are owned by the shared contracts (every consumer reads them from there).
MESSAGE_RECEIVED = contracts.WA_MESSAGE_RECEIVED
STATUS_RECEIVED = contracts.WA_STATUS_RECEIVED
ERROR_RECEIVED = contracts.WA_ERROR_RECEIVED
FIELD_RECEIVED = contracts.WA_FIELD_RECEIVED
PAYLOAD_UNRECOGNIZED = contracts.WA_PAYLOAD_UNRECOGNIZED

EVENT_TYPES = (
    MESSAGE_RECEIVED,
    STATUS_RECEIVED,
    ERROR_RECEIVED,
    FIELD_RECEIVED,
    PAYLOAD_UNRECOGNIZED,
)

# Subject of what cannot be tied to a number: one partition, read by whoever triages them.
UNROUTED = "unrouted"
# Subject when an item has no phone_number_id (the conversation key needs one).
UNKNOWN_NUMBER = "unknown"


class ErrorInfo(TypedDict):
    code: int | None
    title: str | None
    message: str | None
    details: str | None


class ContactInfo(TypedDict):
    wa_id: str | None
    user_id: str | None
    parent_user_id: str | None
    name: str | None
    username: str | None


# Functional syntax because Meta's key is `from`, a Python keyword.
MessageInfo = TypedDict(
    "MessageInfo",
    {
        "id": str | None,
        "type": str | None,
        "timestamp": int | None,
        "from": str | None,
        "from_user_id": str | None,
        "text": str | None,
        "interactive": NotRequired[dict[str, Any]],
        "button": NotRequired[dict[str, Any]],
        "media": NotRequired[dict[str, Any]],
        "location": NotRequired[dict[str, Any]],
        "contacts": NotRequired[list[Any]],
        "reaction": NotRequired[dict[str, Any]],
        "order": NotRequired[dict[str, Any]],
        "system": NotRequired[dict[str, Any]],
        "unsupported": NotRequired[dict[str, Any]],
        "revoke": NotRequired[dict[str, Any]],
        "edit": NotRequired[dict[str, Any]],
        "context": NotRequired[dict[str, Any]],
        "referral": NotRequired[dict[str, Any]],
        "errors": NotRequired[list[ErrorInfo]],
    },
)


class MessageReceived(TypedDict):
    phone_number_id: str | None
    display_phone_number: str | None
    waba_id: str | None
    contact: ContactInfo
    message: MessageInfo
    raw: Any
    raw_contact: Any


class StatusInfo(TypedDict):
    id: str | None
    status: str | None
    timestamp: int | None
    recipient_id: str | None
    recipient_user_id: str | None
    biz_opaque_callback_data: str | None
    conversation: dict[str, Any] | None
    pricing: dict[str, Any] | None
    errors: list[ErrorInfo]


class StatusReceived(TypedDict):
    phone_number_id: str | None
    display_phone_number: str | None
    waba_id: str | None
    status: StatusInfo
    raw: Any


class ErrorReceived(TypedDict):
    phone_number_id: str | None
    waba_id: str | None
    error: ErrorInfo
    raw: Any


class FieldReceived(TypedDict):
    field: str
    waba_id: str | None
    time: int | None
    value: Any


class PayloadUnrecognized(TypedDict):
    reason: str
    # Where in the POST body the unreadable part sits ("$" = the whole body).
    path: str
    raw: Any
