"""Who asked an organization for no more broadcasts, from what came in on wa.inbound.v1 (pure).

Three sources: a contact's text that is one of the organization's opt-out keywords
(`settings.opt_out_keywords`, default STOP; `settings.opt_in_keywords`, default START, undoes
it), Meta's `user_preferences` webhook (`stop` / `resume` of marketing messages), and a
send that failed with 131050 (Meta says the user opted out of marketing). A keyword matches the
whole message, case and surrounding punctuation aside: "Stop!" opts out, "don't stop" does not.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_OUT = ("STOP",)
DEFAULT_IN = ("START",)
OPTED_OUT_CODE = 131050
_TRIM = string.punctuation + string.whitespace + "¡¿"


@dataclass(frozen=True)
class OptChange:
    contact: str
    opted_out: bool
    source: str
    at: datetime


def _words(settings: dict[str, Any], key: str, default: tuple[str, ...]) -> set[str]:
    value = settings.get(key)
    words = value if isinstance(value, list) else list(default)
    return {_canonical(w) for w in words if isinstance(w, str) and _canonical(w)}


def _canonical(text: str) -> str:
    return " ".join(text.strip(_TRIM).casefold().split())


def keyword(
    text: str | None, settings: dict[str, Any], contact: str | None, at: datetime
) -> OptChange | None:
    """The change a contact's text makes, if it is one of the organization's keywords."""
    if not text or not contact or len(text) > 100:
        return None
    said = _canonical(text)
    if said in _words(settings, "opt_out_keywords", DEFAULT_OUT):
        return OptChange(contact, True, "keyword", at)
    if said in _words(settings, "opt_in_keywords", DEFAULT_IN):
        return OptChange(contact, False, "keyword", at)
    return None


def preferences(value: Any, at: datetime) -> list[OptChange]:
    """Meta's `user_preferences` webhook value: one change per marketing preference."""
    items = value.get("user_preferences") if isinstance(value, dict) else None
    out: list[OptChange] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("category") != "marketing_messages":
            continue
        contact, choice = item.get("wa_id"), str(item.get("value") or "").lower()
        if not isinstance(contact, str) or not contact or choice not in ("stop", "resume"):
            continue
        stamp = item.get("timestamp")
        when = (
            datetime.fromtimestamp(stamp, UTC)
            if isinstance(stamp, int) and 0 < stamp < 2**31
            else at
        )
        out.append(OptChange(contact, choice == "stop", "user_preferences", when))
    return out


def failed_status(contact: str | None, code: int | None, at: datetime) -> OptChange | None:
    """A failed status with 131050: Meta refuses marketing to this user."""
    if contact and code == OPTED_OUT_CODE:
        return OptChange(contact, True, str(OPTED_OUT_CODE), at)
    return None
