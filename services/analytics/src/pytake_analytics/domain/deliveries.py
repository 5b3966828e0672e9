"""What a delivery record or a Meta status says about one outbound message (pure).

Each becomes a `DeliveryUpdate` whose fields the store merges commutatively (earliest time,
first non-null value, highest retry attempt), so the row does not depend on the order in which
the executor's, the sender's and Meta's records arrive.

Meta's statuses are read straight from `wa.inbound.v1` (the router forwards only the failed
ones, the executor's business): the tenant is the organization owning the number the status
came in on, and Meta's retried webhooks merge into the row again without changing it.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pytake_analytics.domain.projection import organization
from pytake_shared.contracts import delivery, wa_inbound


@dataclass(frozen=True)
class DeliveryUpdate:
    outbound_id: str
    organization_id: uuid.UUID
    accepted_at: datetime | None = None
    wamid: str | None = None
    retries: int = 0
    send_failed_at: datetime | None = None
    send_error_code: int | None = None
    send_error_reason: str | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    status_failed_at: datetime | None = None
    status_error_code: int | None = None
    status_error_reason: str | None = None
    indefinite_at: datetime | None = None
    indefinite_reason: str | None = None
    cancelled_at: datetime | None = None


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and -(2**31) <= value < 2**31:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def from_delivery(
    kind: str, data: dict[str, Any], time: datetime, org: str | None
) -> DeliveryUpdate | None:
    """A `wa.delivery.v1` record (`pytake.delivery.<accepted|retrying|failed|...>`); None for
    one that is not about a send of a known organization (or of a newer type)."""
    try:
        record = delivery.decode(kind, data)
    except ValueError:  # an unknown type, or not the contract's shape (ValidationError)
        return None
    if not record.outbound_id or org is None:
        return None
    base = DeliveryUpdate(outbound_id=record.outbound_id, organization_id=organization(org))
    match record:
        case delivery.Accepted(wamid=wamid):
            return _replace(base, accepted_at=time, wamid=wamid)
        case delivery.Retrying(attempt=attempt):
            return _replace(base, retries=max(1, attempt))
        case delivery.Failed(code=code, reason=reason):
            return _replace(
                base,
                send_failed_at=time,
                send_error_code=_code(code),
                send_error_reason=reason[:1000] if reason is not None else None,
            )
        case delivery.Cancelled():
            return _replace(base, cancelled_at=time)
        case delivery.Indefinite(reason=reason):
            return _replace(
                base,
                indefinite_at=time,
                indefinite_reason=reason[:1000] if reason is not None else None,
            )
    return None


def from_status(data: dict[str, Any], time: datetime, org: str | None) -> DeliveryUpdate | None:
    """A `pytake.wa.status_received` record: Meta's sent/delivered/read/failed for one of our
    sends (found by the `biz_opaque_callback_data` the sender set to the outbound id); None
    for a status of someone else's send, or one that is not the contract's shape."""
    try:
        status = wa_inbound.decode_status(data)["status"]
    except ValueError:  # pydantic's ValidationError
        return None
    outbound_id = status["biz_opaque_callback_data"]
    if not outbound_id or not org:
        return None
    stamp = status["timestamp"]
    at = datetime.fromtimestamp(stamp, UTC) if stamp and 0 < stamp < 2**31 else time
    base = DeliveryUpdate(outbound_id=outbound_id, organization_id=organization(org))
    wamid, name = status["id"], status["status"]
    if name == "sent":
        return _replace(base, sent_at=at, wamid=wamid)
    if name in ("delivered", "played"):
        return _replace(base, delivered_at=at, wamid=wamid)
    if name == "read":
        return _replace(base, read_at=at, wamid=wamid)
    if name == "failed":
        first = status["errors"][0] if status["errors"] else None
        reason = (first["details"] or first["message"] or first["title"]) if first else None
        return _replace(
            base,
            status_failed_at=at,
            status_error_code=_code(first["code"]) if first else None,
            status_error_reason=reason[:1000] if reason else None,
            wamid=wamid,
        )
    return None


def _replace(base: DeliveryUpdate, **changes: Any) -> DeliveryUpdate:
    return dataclasses.replace(base, **changes)


def status_of(row: dict[str, Any]) -> str:
    """The furthest a message got: failed, read, delivered, sent, accepted, indefinite (sent or
    not, nobody knows: Meta neither answered nor sent a status), cancelled (never sent: its
    conversation closed first), retrying, queued."""
    if row.get("send_failed_at") or row.get("status_failed_at"):
        return "failed"
    for name, column in (("read", "read_at"), ("delivered", "delivered_at"), ("sent", "sent_at")):
        if row.get(column):
            return name
    if row.get("accepted_at"):
        return "accepted"
    if row.get("indefinite_at"):
        return "indefinite"
    if row.get("cancelled_at"):
        return "cancelled"
    if row.get("retries"):
        return "retrying"
    return "queued"


def error_code_of(row: dict[str, Any]) -> int | None:
    code = row.get("status_error_code")
    return code if code is not None else row.get("send_error_code")


def error_reason_of(row: dict[str, Any]) -> str | None:
    """Meta's words for the failure: its failed status's, else the refused send's."""
    if row.get("status_failed_at"):
        return row.get("status_error_reason") or row.get("send_error_reason")
    return row.get("send_error_reason")
