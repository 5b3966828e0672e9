"""The sender's records on wa.delivery.v1: what became of a send, one id per state and attempt."""

from __future__ import annotations

from typing import Any

from pytake_shared.contracts import delivery, outbound
from pytake_shared.envelope import Envelope, deterministic_id

SOURCE = "pytake-sender"


def delivery_record(
    cause: Envelope, cmd: outbound.SendMessage, state: type[delivery.Delivery], **fields: Any
) -> Envelope:
    """What became of `cmd`, as its wa.delivery.v1 record (one id per state and attempt)."""
    record = state(outbound_id=cmd.outbound_id, phone_number_id=cmd.phone_number_id, **fields)
    kind = delivery.type_of(record)
    return Envelope.new(
        kind,
        id=deterministic_id("sender", kind, cmd.outbound_id, str(fields.get("attempt", ""))),
        source=SOURCE,
        subject=cause.subject,
        causation=cause,
        data=delivery.payload(record),
    )
