"""Read one `statuses[]` item (a delivery receipt for a message the business sent).

Meta's optional `conversation` and `pricing` objects are flattened to the few fields billing
and analytics read; `errors[]` (present on `failed`) is always a list, empty when there are
none, so a consumer can look for a code without checking first.
"""

from __future__ import annotations

from typing import Any

from pytake_ingress.domain.messages import read_errors
from pytake_ingress.domain.reading import as_bool, as_dict, as_int, as_str, as_text
from pytake_shared.contracts.wa_inbound import StatusInfo


def read_status(item: object) -> StatusInfo:
    status = as_dict(item)
    return {
        "id": as_str(status.get("id")),
        "status": as_str(status.get("status")),
        "timestamp": as_int(status.get("timestamp")),
        "recipient_id": as_str(status.get("recipient_id")),
        "recipient_user_id": as_str(status.get("recipient_user_id")),
        "biz_opaque_callback_data": as_text(status.get("biz_opaque_callback_data")),
        "conversation": _conversation(status.get("conversation")),
        "pricing": _pricing(status.get("pricing")),
        "errors": read_errors(status.get("errors")),
    }


def _conversation(value: object) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {
        "id": as_str(value.get("id")),
        # A string in current payloads, an int in older ones.
        "expiration_timestamp": as_int(value.get("expiration_timestamp")),
        "origin_type": as_str(as_dict(value.get("origin")).get("type")),
    }


def _pricing(value: object) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {
        "billable": as_bool(value.get("billable")),
        "pricing_model": as_str(value.get("pricing_model")),
        "type": as_str(value.get("type")),
        "category": as_str(value.get("category")),
    }
