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
from pytake_shared import contracts as c


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
    """A `wa.delivery.v1` record (`pytake.delivery.<accepted|retrying|failed|...>`)."""
    outbound_id = data.get("outbound_id")
    if not isinstance(outbound_id, str) or not outbound_id or org is None:
        return None
    base = DeliveryUpdate(outbound_id=outbound_id, organization_id=organization(org))
    if kind == c.DELIVERY_ACCEPTED:
        wamid = data.get("wamid")
        return _replace(base, accepted_at=time, wamid=wamid if isinstance(wamid, str) else None)
    if kind == c.DELIVERY_RETRYING:
        attempt = _code(data.get("attempt"))
        return _replace(base, retries=max(1, attempt or 1))
    if kind == c.DELIVERY_FAILED:
        reason = data.get("reason")
        return _replace(
            base,
            send_failed_at=time,
            send_error_code=_code(data.get("code")),
            send_error_reason=str(reason)[:1000] if reason is not None else None,
        )
    if kind == c.DELIVERY_CANCELLED:
        return _replace(base, cancelled_at=time)
    if kind == c.DELIVERY_INDEFINITE:
        reason = data.get("reason")
        return _replace(
            base,
            indefinite_at=time,
            indefinite_reason=str(reason)[:1000] if reason is not None else None,
        )
    return None


def from_status(data: dict[str, Any], time: datetime, org: str | None) -> DeliveryUpdate | None:
    """A `pytake.wa.status_received` record: Meta's sent/delivered/read/failed for one of our
    sends (found by the `biz_opaque_callback_data` the sender set to the outbound id)."""
    status = data.get("status")
    if not isinstance(status, dict):
        return None
    outbound_id = status.get("biz_opaque_callback_data")
    if not isinstance(outbound_id, str) or not outbound_id or not org:
        return None
    at = time
    stamp = _code(status.get("timestamp"))
    if stamp is not None and stamp > 0:
        at = datetime.fromtimestamp(stamp, UTC)
    base = DeliveryUpdate(outbound_id=outbound_id, organization_id=organization(org))
    wamid = status.get("id") if isinstance(status.get("id"), str) else None
    name = status.get("status")
    if name == "sent":
        return _replace(base, sent_at=at, wamid=wamid)
    if name in ("delivered", "played"):
        return _replace(base, delivered_at=at, wamid=wamid)
    if name == "read":
        return _replace(base, read_at=at, wamid=wamid)
    if name == "failed":
        errors = status.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        first = first if isinstance(first, dict) else {}
        details = first.get("error_data")
        details = details.get("details") if isinstance(details, dict) else None
        reason = next((r for r in (details, first.get("message"), first.get("title")) if r), None)
        return _replace(
            base,
            status_failed_at=at,
            status_error_code=_code(first.get("code")),
            status_error_reason=str(reason)[:1000] if reason is not None else None,
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
