"""Support for the corpus tests: loading fixtures, the expected-event helpers, shared ids."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytake_ingress.domain import (
    MESSAGE_RECEIVED,
    STATUS_RECEIVED,
)

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "meta-webhooks"
RECEIVED_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


# Expected value of a key that must not be there at all (as opposed to being None).
ABSENT: Any = _Absent()


def fixture_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.json"))


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def pick(data: Any, path: str) -> Any:
    """`data["a"]["b"][0]` for the path "a.b.0"; `ABSENT` where a key or index is missing."""
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return ABSENT
    return node


def first_value(payload: Any) -> Any:
    return payload["entry"][0]["changes"][0]["value"]


# The pywa fixtures share one business number, one WABA and one contact.
PN = "1122334455667"
WA = "972987654321"
KEY = f"{PN}:{WA}"
BSUID = "US.13491208655302741918"
PARENT_BSUID = "US.ENT.11815799212886844830"
WABA = "1234567890987654321"
WABA2 = "5467539754836534"
# The Meta documentation examples share another.
DOC_PN = "106540352242922"
DOC_WA = "16505551234"
DOC_KEY = f"{DOC_PN}:{DOC_WA}"
DOC_WABA = "102290129340398"

PYWA_CONTACT = {
    "contact.wa_id": WA,
    "contact.user_id": BSUID,
    "contact.parent_user_id": PARENT_BSUID,
    "contact.name": "Test Name",
    "contact.username": None,
    "phone_number_id": PN,
    "display_phone_number": "972123456789",
}
FORWARDED = {
    "message.context.forwarded": True,
    "message.context.frequently_forwarded": False,
    "message.context.id": None,
}
NO_EXTRAS = {"message.context": ABSENT, "message.referral": ABSENT, "message.errors": ABSENT}
MSG_131051 = {
    "message.errors.0.code": 131051,
    "message.errors.0.title": "Message type unknown",
    "message.errors.0.details": "Message type is currently not supported.",
}
PYWA_STATUS = {"phone_number_id": PN, "status.recipient_id": WA, "status.recipient_user_id": None}
CBP_SERVICE = {
    "status.pricing.billable": True,
    "status.pricing.pricing_model": "CBP",
    "status.pricing.category": "service",
    "status.conversation.id": "7270432eae37498234f4444b35ffc5",
    "status.conversation.origin_type": "service",
}


@dataclass(frozen=True)
class Expect:
    type: str
    id_parts: tuple[object, ...]
    subject: str
    correlation_id: str | None
    checks: dict[str, Any] = field(default_factory=dict)


def message(wamid: str, key: str = KEY, **checks: Any) -> Expect:
    return Expect(MESSAGE_RECEIVED, ("wa.message", wamid), key, wamid, _paths(checks))


def status(wamid: str, state: str, *extra: object, key: str = KEY, **checks: Any) -> Expect:
    return Expect(STATUS_RECEIVED, ("wa.status", wamid, state, *extra), key, wamid, _paths(checks))


def _paths(checks: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments spell paths with `__` (`message__text` is `message.text`)."""
    out: dict[str, Any] = {}
    for key, value in checks.items():
        if key == "merge":
            out.update(value)
        else:
            out[key.replace("__", ".")] = value
    return out


def m(*groups: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for group in groups:
        merged.update(group)
    return merged
