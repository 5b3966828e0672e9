"""Build and sign Meta-shaped webhook bodies, as Meta would send them (dev and tests)."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from typing import Any


def text_webhook(
    phone_number_id: str,
    wa_id: str,
    text: str,
    *,
    name: str = "Ada",
    wamid: str | None = None,
    timestamp: int | None = None,
    display_phone_number: str = "15550100001",
) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "100000000000000",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_phone_number,
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": wamid or f"wamid.{uuid.uuid4().hex}",
                                    "timestamp": str(timestamp or int(time.time())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def button_reply_webhook(
    phone_number_id: str, wa_id: str, button_id: str, title: str, **kwargs: Any
) -> dict[str, Any]:
    """The contact tapped a reply button: Meta's `interactive` `button_reply` message."""
    payload = text_webhook(phone_number_id, wa_id, title, **kwargs)
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = "interactive"
    message["interactive"] = {
        "type": "button_reply",
        "button_reply": {"id": button_id, "title": title},
    }
    return payload


def encode(payload: Any) -> bytes:
    """The bytes Meta sends: compact JSON with non-ASCII escaped as `\\uXXXX`."""
    import json

    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(secret: str, payload: Any) -> tuple[bytes, dict[str, str]]:
    body = encode(payload)
    return body, {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature(secret, body),
    }


__all__ = ["encode", "signature", "signed", "text_webhook"]
