"""What counts as a valid answer to a `question` node, and the value stored for it.

`responseType` text, number (stored as a number; a decimal comma is accepted, as Brazilian
contacts write it), email, phone (stored as its digits), options (a button or list reply, or
text matching an option's value, label or id; stores the value) and date (ISO, or day first
as `31/12/2024`, `31-12-2024`, `31.12.2024`; stored as `YYYY-MM-DD`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pytake_shared.engine.values import as_number

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE_NOISE = re.compile(r"[\s().\-]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")

# The answer types; each has its invalid-answer text (`answer_<type>` in `flowdoc.texts`).
KINDS = ("required", "text", "number", "email", "phone", "options", "date")


@dataclass(frozen=True)
class Answer:
    valid: bool
    value: Any = None
    reason: str | None = None  # why it was refused: required, or the expected type


def kind_of(data: dict[str, Any]) -> str:
    """The answer type: `responseType`, or options when the node lists some."""
    kind = str(data.get("responseType") or "").lower()
    if kind not in KINDS or kind == "required":
        kind = "options" if options_of(data) else "text"
    return "text" if kind == "options" and not options_of(data) else kind


def options_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    options = data.get("options")
    return [o for o in options if isinstance(o, dict)] if isinstance(options, list) else []


def option_id(option: dict[str, Any]) -> str:
    return str(option.get("id") or option.get("value") or option.get("label") or "")


def option_value(option: dict[str, Any]) -> Any:
    return option["value"] if "value" in option else option.get("label") or option.get("id")


def check(data: dict[str, Any], text: str | None, reply_id: str | None) -> Answer:
    kind = kind_of(data)
    validation = data["validation"] if isinstance(data.get("validation"), dict) else {}
    if not (text or "").strip() and not reply_id:
        if validation.get("required", True) is not False:
            return Answer(False, reason="required")
        return Answer(True, text)
    raw = (text or "").strip()
    if kind == "options":
        return _option(options_of(data), raw, reply_id)
    if kind == "number":
        number = as_number(raw.replace(",", ".") if raw.count(",") == 1 else raw)
        return Answer(True, number) if number is not None else Answer(False, reason=kind)
    if kind == "email":
        return Answer(True, raw) if _EMAIL.fullmatch(raw) else Answer(False, reason=kind)
    if kind == "phone":
        digits = _PHONE_NOISE.sub("", raw).removeprefix("+")
        valid = digits.isascii() and digits.isdigit() and 8 <= len(digits) <= 15
        return Answer(True, digits) if valid else Answer(False, reason=kind)
    if kind == "date":
        parsed = _date(raw)
        return Answer(True, parsed) if parsed else Answer(False, reason=kind)
    return Answer(True, text)


def _option(options: list[dict[str, Any]], raw: str, reply_id: str | None) -> Answer:
    wanted = [w.strip().casefold() for w in (reply_id, raw) if w and w.strip()]
    for option in options:
        names = {
            str(option[k]).strip().casefold()
            for k in ("id", "value", "label")
            if option.get(k) is not None
        }
        if any(w in names for w in wanted):
            return Answer(True, option_value(option))
    return Answer(False, reason="options")


def _date(raw: str) -> str | None:
    iso, day_first = _ISO_DATE.fullmatch(raw), _DAY_FIRST.fullmatch(raw)
    if iso:
        year, month, day = (int(p) for p in iso.groups())
    elif day_first:
        day, month, year = (int(p) for p in day_first.groups())
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
