"""The records of `wa.delivery.v1`: what became of each send, as the sender saw it.

Keyed by conversation. The sender writes one record per state a send reached: `accepted` (Meta
took it and gave its `wamid`), `retrying` (an attempt failed in a way worth another), `failed`
(it never will be sent), `indefinite` (the outcome is unknown and it is not sent again, rather
than risk a duplicate), `cancelled` (never sent: its conversation had closed). Meta's own
statuses (sent, delivered, read) come on `wa.inbound.v1`. Analytics and `pytake trace` read
them through `decode`. Every record names its `outbound_id` and `phone_number_id`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

ACCEPTED = "pytake.delivery.accepted"
RETRYING = "pytake.delivery.retrying"
FAILED = "pytake.delivery.failed"
INDEFINITE = "pytake.delivery.indefinite"
CANCELLED = "pytake.delivery.cancelled"


class _Delivery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    outbound_id: str
    phone_number_id: str | None = None


class Accepted(_Delivery):
    wamid: str | None = None


class Retrying(_Delivery):
    code: int | None = None  # Meta's error code; None when there was no answer
    reason: str | None = None
    attempt: int = 1


class Failed(_Delivery):
    code: int | None = None
    reason: str | None = None
    permanent: bool = True


class Indefinite(_Delivery):
    reason: str | None = None


class Cancelled(_Delivery):
    reason: str | None = None


Delivery = Accepted | Retrying | Failed | Indefinite | Cancelled

MODELS: dict[str, type[Delivery]] = {
    ACCEPTED: Accepted,
    RETRYING: Retrying,
    FAILED: Failed,
    INDEFINITE: Indefinite,
    CANCELLED: Cancelled,
}
TYPES = frozenset(MODELS)
_TYPE_OF = {model: name for name, model in MODELS.items()}


def type_of(delivery: Delivery) -> str:
    """The record type `delivery` is published under."""
    return _TYPE_OF[type(delivery)]


def payload(delivery: Delivery) -> dict[str, Any]:
    """The record's data for `delivery`."""
    return delivery.model_dump(mode="json")


def decode(envelope_type: str, data: dict[str, Any]) -> Delivery:
    """The state a record carries; `ValueError` for an unknown type,
    `pydantic.ValidationError` for a bad payload."""
    model = MODELS.get(envelope_type)
    if model is None:
        raise ValueError(f"not a wa.delivery.v1 type: {envelope_type}")
    return model.model_validate(data)
