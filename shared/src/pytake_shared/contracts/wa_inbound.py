"""The records of `wa.inbound.v1`: Meta's webhook items as ingress publishes them.

Ingress turns every webhook item into one `Envelope` whose `type` is one of the five names
below and whose `data` follows the matching `TypedDict`; the router, analytics, the sender's
confirmations and `pytake trace` read them back through `decode` (or `decode_status`,
`decode_message`), which validates the shape and gives typed access. They are `TypedDict`s
rather than models because the normalizer builds them from untrusted input it has already
checked field by field, at the busiest point of the system: writing plain dicts costs nothing
there, and readers validate only what they read. Keys marked `NotRequired` appear only where
the item has that part (a `media` key only on media messages, `context` only on replies and
forwards…); every other key is always present, `None` when Meta did not send it (a
record from an older ingress lacking a key added since is read as if it were `None`). `raw` is
always the item exactly as received (made JSON-safe only if it could not be serialized at
all), so a consumer can re-read whatever the normalizer does not understand yet. Keys a reader
does not know are dropped by `decode` (newer writers may add some).

Keys: the conversation key (`<phone_number_id>:<contact id>`) for messages and statuses, the
phone number id for errors about a number, `UNKNOWN_NUMBER` or `UNROUTED` for the rest.
"""

from __future__ import annotations

from typing import Any, NotRequired, get_args, get_origin, get_type_hints

from pydantic import TypeAdapter
from typing_extensions import TypedDict, is_typeddict

MESSAGE_RECEIVED = "pytake.wa.message_received"
STATUS_RECEIVED = "pytake.wa.status_received"
ERROR_RECEIVED = "pytake.wa.error_received"
FIELD_RECEIVED = "pytake.wa.field_received"
PAYLOAD_UNRECOGNIZED = "pytake.wa.payload_unrecognized"

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


Item = MessageReceived | StatusReceived | ErrorReceived | FieldReceived | PayloadUnrecognized


class _Filler:
    """Fills the keys a record lacks because an older ingress wrote it (keys are added over
    time; the topic keeps 90 days) with what they mean when Meta did not send them: None, or
    an empty list. Nested items are filled alike; a missing part that has no such meaning (a
    status without `status`) stays missing and fails validation."""

    def __init__(self, shape: Any) -> None:
        hints = get_type_hints(shape)
        self._none = [k for k in shape.__required_keys__ if _admits_none(hints[k])]
        self._lists = [k for k in shape.__required_keys__ if get_origin(hints[k]) is list]
        self._nested: dict[str, _Filler] = {}
        self._listed: dict[str, _Filler] = {}
        for key, hint in hints.items():
            if is_typeddict(hint):
                self._nested[key] = _Filler(hint)
            elif get_origin(hint) is list and is_typeddict(get_args(hint)[0]):
                self._listed[key] = _Filler(get_args(hint)[0])

    def __call__(self, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key in self._none:
            out.setdefault(key, None)
        for key in self._lists:
            out.setdefault(key, [])
        for key, fill in self._nested.items():
            if key in out:
                out[key] = fill(out[key])
        for key, fill in self._listed.items():
            if isinstance(out.get(key), list):
                out[key] = [fill(item) for item in out[key]]
        return out


def _admits_none(hint: Any) -> bool:
    return hint is Any or type(None) in get_args(hint)


class _Decoder:
    def __init__(self, shape: Any) -> None:
        self._fill = _Filler(shape)
        self._adapter: TypeAdapter[Any] = TypeAdapter(shape)

    def __call__(self, data: dict[str, Any]) -> Any:
        return self._adapter.validate_python(self._fill(data))


_MESSAGE = _Decoder(MessageReceived)
_STATUS = _Decoder(StatusReceived)
_DECODERS: dict[str, _Decoder] = {
    MESSAGE_RECEIVED: _MESSAGE,
    STATUS_RECEIVED: _STATUS,
    ERROR_RECEIVED: _Decoder(ErrorReceived),
    FIELD_RECEIVED: _Decoder(FieldReceived),
    PAYLOAD_UNRECOGNIZED: _Decoder(PayloadUnrecognized),
}


def decode_message(data: dict[str, Any]) -> MessageReceived:
    """A `MESSAGE_RECEIVED` record's data; `pydantic.ValidationError` when it is not one."""
    message: MessageReceived = _MESSAGE(data)
    return message


def decode_status(data: dict[str, Any]) -> StatusReceived:
    """A `STATUS_RECEIVED` record's data; `pydantic.ValidationError` when it is not one."""
    status: StatusReceived = _STATUS(data)
    return status


def decode(envelope_type: str, data: dict[str, Any]) -> Item:
    """Any record of the topic; `ValueError` for a type this reader does not know."""
    decoder = _DECODERS.get(envelope_type)
    if decoder is None:
        raise ValueError(f"not a wa.inbound.v1 type: {envelope_type}")
    item: Item = decoder(data)
    return item
