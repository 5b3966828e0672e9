"""Webhook bodies built for the normalizer tests: batches, messages, statuses, entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PN = "106540352242922"
PN2 = "106540352242999"
WABA = "102290129340398"


def meta(phone_number_id: str = PN) -> dict[str, Any]:
    return {"display_phone_number": "15550783881", "phone_number_id": phone_number_id}


def text(wamid: str, sender: str = "16505551234", body: str = "hi") -> dict[str, Any]:
    return {
        "from": sender,
        "id": wamid,
        "timestamp": "1750000000",
        "type": "text",
        "text": {"body": body},
    }


def receipt(wamid: str, state: str, recipient: str = "16505551234", **extra: Any) -> dict[str, Any]:
    return {
        "id": wamid,
        "status": state,
        "timestamp": "1750000001",
        "recipient_id": recipient,
        **extra,
    }


def change(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    return {"field": field, "value": {"messaging_product": "whatsapp", **value}}


def body(*entries: object) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": list(entries)}


def entry(*changes: dict[str, Any], waba: str = WABA, time: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": waba, "changes": list(changes)}
    if time is not None:
        out["time"] = time
    return out


def canonical(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


BATCH = body(
    entry(
        change(
            {
                "metadata": meta(),
                "contacts": [
                    {"profile": {"name": "A"}, "wa_id": "111"},
                    {"profile": {"name": "B"}, "wa_id": "222"},
                ],
                "messages": [
                    text("wamid.m1", "111"),
                    text("wamid.m2", "222"),
                    text("wamid.m3", "111"),
                ],
            }
        ),
        change({"metadata": meta(), "statuses": [receipt("wamid.o1", "sent", "333")]}),
    ),
    entry(
        change(
            {
                "metadata": meta(PN2),
                "statuses": [
                    receipt("wamid.o2", "delivered", "444"),
                    receipt("wamid.o2", "read", "444"),
                ],
            }
        ),
        change(
            {"event": "APPROVED", "message_template_id": 1, "reason": "NONE"},
            field="message_template_status_update",
        ),
        waba="999",
        time=1751247548,
    ),
)
