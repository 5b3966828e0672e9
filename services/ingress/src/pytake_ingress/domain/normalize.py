"""Split a Meta webhook POST body into one normalized envelope per item, for `wa.inbound.v1`.

`normalize` walks every change of every entry: a `messages` change yields one event per
`messages[]`, `statuses[]` and value-level `errors[]` item, any other field one
`field_received`. It is pure (the receive time comes in as a value) and total: it never raises
and never drops anything, because the ingress answers Meta only after publishing and a body it
refused would be redelivered for seven days. What it cannot read at all becomes a
`payload_unrecognized` event carrying the unreadable part. Ids are derived from what identifies
the fact (the wamid, the wamid and status, or the canonical JSON of the item), so a retried
webhook yields the same ids and the router can drop the duplicates; subjects are conversation
keys, so everything about one contact stays in order on one partition.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from pytake_ingress.domain.messages import (
    match_contact,
    read_contact,
    read_error,
    read_message,
)
from pytake_ingress.domain.reading import (
    as_dict,
    as_int,
    as_str,
    canonical,
    clean,
    json_safe,
)
from pytake_ingress.domain.statuses import read_status
from pytake_shared.contracts.wa_inbound import (
    ERROR_RECEIVED,
    FIELD_RECEIVED,
    MESSAGE_RECEIVED,
    PAYLOAD_UNRECOGNIZED,
    STATUS_RECEIVED,
    UNKNOWN_NUMBER,
    UNROUTED,
    ErrorReceived,
    FieldReceived,
    MessageReceived,
    PayloadUnrecognized,
    StatusReceived,
)
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.topics import conversation_key

DEFAULT_SOURCE = "pytake-ingress"
# The three item lists a `messages` change can carry, in the order they are published.
_ITEM_LISTS = ("messages", "statuses", "errors")


def normalize(
    payload: object, *, received_at: datetime, source: str = DEFAULT_SOURCE
) -> list[Envelope]:
    """One envelope per webhook item (at least one for any input), in the body's order."""
    walker = _Walker(received_at, source)
    try:
        envelopes = list(walker.payload(payload))
    except Exception as exc:  # a bug here must not cost Meta's delivery: keep the whole body
        reason = f"normalizer failed: {type(exc).__name__}: {exc}"
        return [walker.unrecognized(payload, "$", reason)]
    if not envelopes:
        return [walker.unrecognized(payload, "$", "no webhook items in the body")]
    return envelopes


def event_counts(envelopes: Iterable[Envelope]) -> dict[str, int]:
    """How many envelopes of each type (for logs and metrics)."""
    return dict(Counter(envelope.type for envelope in envelopes))


def subject_for(phone_number_id: str | None, contact_id: str | None) -> str:
    """The conversation key, or just the number when the contact is unknown."""
    if phone_number_id is None:
        return UNKNOWN_NUMBER
    if contact_id is None:
        return phone_number_id
    return conversation_key(phone_number_id, contact_id)


class _Walker:
    """Carries the envelope constants through the walk; holds no state between calls."""

    def __init__(self, received_at: datetime, source: str) -> None:
        self.received_at = received_at
        self.source = source

    def envelope(
        self,
        type_: str,
        event_id: uuid.UUID,
        subject: str,
        data: Mapping[str, object],
        correlation_id: str | None = None,
    ) -> Envelope:
        return Envelope.new(
            type_,
            id=event_id,
            source=self.source,
            subject=subject,
            time=self.received_at,
            correlation_id=correlation_id,
            data=json_safe(dict(data)),
        )

    def unrecognized(self, raw: object, path: str, reason: str) -> Envelope:
        data: PayloadUnrecognized = {"reason": clean(reason), "path": path, "raw": raw}
        raw_json = canonical(raw)
        # A part's id also names where it sat, so two equal unreadable parts stay two events;
        # a whole body's id is its JSON alone.
        event_id = (
            deterministic_id("wa.unrecognized", raw_json)
            if path == "$"
            else deterministic_id("wa.unrecognized", path, raw_json)
        )
        return self.envelope(PAYLOAD_UNRECOGNIZED, event_id, UNROUTED, data)

    def payload(self, payload: object) -> Iterator[Envelope]:
        if not isinstance(payload, dict):
            yield self.unrecognized(payload, "$", "the body is not a JSON object")
            return
        entries = payload.get("entry")
        if not isinstance(entries, list):
            yield self.unrecognized(payload, "$", "the body has no entry[] list")
            return
        for i, entry in enumerate(entries):
            yield from self.entry(entry, f"$.entry[{i}]")

    def entry(self, entry: object, path: str) -> Iterator[Envelope]:
        changes = as_dict(entry).get("changes")
        if not isinstance(changes, list) or not changes:
            yield self.unrecognized(entry, path, "an entry without a changes[] list")
            return
        waba_id = as_str(as_dict(entry).get("id"))
        time = as_int(as_dict(entry).get("time"))
        for i, change in enumerate(changes):
            yield from self.change(change, waba_id, time, f"{path}.changes[{i}]")

    def change(
        self, change: object, waba_id: str | None, time: int | None, path: str
    ) -> Iterator[Envelope]:
        field = as_str(as_dict(change).get("field"))
        if field is None:
            yield self.unrecognized(change, path, "a change without a field")
            return
        value = as_dict(change).get("value")
        if field != "messages":
            yield self.field(field, waba_id, time, value)
            return
        if not isinstance(value, dict) or not any(value.get(k) for k in _ITEM_LISTS):
            yield self.unrecognized(change, path, "a messages change with no items")
            return
        metadata = as_dict(value.get("metadata"))
        where = _Where(
            waba_id=waba_id,
            phone_number_id=as_str(metadata.get("phone_number_id")),
            display_phone_number=as_str(metadata.get("display_phone_number")),
        )
        for key in _ITEM_LISTS:
            items = value.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                yield self.unrecognized(items, f"{path}.value.{key}", f"{key} is not a list")
                continue
            for item in items:
                if key == "messages":
                    yield self.message(item, value.get("contacts"), where)
                elif key == "statuses":
                    yield self.status(item, where)
                else:
                    yield self.error(item, where)

    def message(self, item: object, contacts: object, where: _Where) -> Envelope:
        message = read_message(item)
        raw_contact = match_contact(contacts, message["from"], message["from_user_id"])
        contact = read_contact(raw_contact, message["from"], message["from_user_id"])
        data: MessageReceived = {
            "phone_number_id": where.phone_number_id,
            "display_phone_number": where.display_phone_number,
            "waba_id": where.waba_id,
            "contact": contact,
            "message": message,
            "raw": item,
            "raw_contact": raw_contact,
        }
        wamid = message["id"]
        event_id = (
            deterministic_id("wa.message", wamid)
            if wamid is not None
            else deterministic_id("wa.message", "raw", canonical(item))
        )
        contact_id = contact["wa_id"] or contact["user_id"]
        subject = subject_for(where.phone_number_id, contact_id)
        return self.envelope(MESSAGE_RECEIVED, event_id, subject, data, wamid)

    def status(self, item: object, where: _Where) -> Envelope:
        info = read_status(item)
        data: StatusReceived = {
            "phone_number_id": where.phone_number_id,
            "display_phone_number": where.display_phone_number,
            "waba_id": where.waba_id,
            "status": info,
            "raw": item,
        }
        wamid = info["id"]
        if wamid is None:
            event_id = deterministic_id("wa.status", "raw", canonical(item))
        else:
            # One wamid gets several statuses (sent, delivered, read…), each its own fact.
            parts: list[object] = ["wa.status", wamid, info["status"] or ""]
            if info["status"] == "failed" and info["errors"]:
                parts.append(",".join(str(e["code"]) for e in info["errors"]))
            # Group messages get one status per participant for the same wamid and status.
            participant = as_str(as_dict(item).get("recipient_participant_id"))
            if participant is not None:
                parts.append(f"participant={participant}")
            event_id = deterministic_id(*parts)
        contact_id = info["recipient_id"] or info["recipient_user_id"]
        subject = subject_for(where.phone_number_id, contact_id)
        return self.envelope(STATUS_RECEIVED, event_id, subject, data, wamid)

    def error(self, item: object, where: _Where) -> Envelope:
        data: ErrorReceived = {
            "phone_number_id": where.phone_number_id,
            "waba_id": where.waba_id,
            "error": read_error(item),
            "raw": item,
        }
        event_id = deterministic_id("wa.error", where.phone_number_id or "", canonical(item))
        subject = subject_for(where.phone_number_id, None)
        return self.envelope(ERROR_RECEIVED, event_id, subject, data)

    def field(self, field: str, waba_id: str | None, time: int | None, value: object) -> Envelope:
        data: FieldReceived = {"field": field, "waba_id": waba_id, "time": time, "value": value}
        # `time` is part of the id: a template approved, paused and approved again sends the
        # same value twice, and the second approval must not be dropped as a duplicate.
        event_id = deterministic_id("wa.field", waba_id or "", field, time, canonical(value))
        phone_number_id = as_str(as_dict(as_dict(value).get("metadata")).get("phone_number_id"))
        return self.envelope(FIELD_RECEIVED, event_id, subject_for(phone_number_id, None), data)


@dataclass(frozen=True, slots=True)
class _Where:
    """The business side of a change: which account and number its items belong to."""

    waba_id: str | None
    phone_number_id: str | None
    display_phone_number: str | None
