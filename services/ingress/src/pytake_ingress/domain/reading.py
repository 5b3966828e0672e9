"""Tolerant readers for untrusted webhook JSON, and the canonical form ids are derived from.

A webhook body is whatever Meta (or anyone who got hold of the app secret, or a bug upstream)
sent, so nothing here assumes a shape: every reader takes `object` and answers a value of the
expected type or `None`, never raising. Strings are cleaned of lone surrogates, which JSON
escapes can produce but UTF-8 cannot carry, and `json_safe` repairs the few values orjson
refuses (integers beyond 64 bits, nesting past its limit) so that every envelope the ingress
builds can always be serialized. `canonical` is the sorted-keys JSON text that deterministic ids
are derived from, so a retried webhook yields the same ids.
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson

# orjson refuses nesting deeper than 255 levels; cut earlier so a repaired value stays well
# inside what it (and Pydantic's serializer) accepts. Real webhook items are < 10 levels deep.
_MAX_DEPTH = 64
_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1
# Unix seconds (Meta sends them as strings); bounded so junk cannot become a huge int.
_INT_TEXT = re.compile(r"[+-]?\d{1,19}")


def clean(text: str) -> str:
    """`text`, with lone surrogates escaped so it can be encoded as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def as_dict(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one (so lookups can be chained)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: object) -> str | None:
    """A non-empty string, or an integer id written as a number; else `None`."""
    if isinstance(value, str):
        return clean(value) if value else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def as_text(value: object) -> str | None:
    """A string as sent, empty included (captions and bodies may legitimately be empty)."""
    return clean(value) if isinstance(value, str) else None


def as_int(value: object) -> int | None:
    """Integer seconds or codes: Meta sends timestamps as strings, older payloads as ints."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if _INT_MIN <= value <= _INT_MAX else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    return None


def as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value) if abs(value) < 1e300 else math.nan
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def json_safe(value: object) -> Any:
    """`value` itself when orjson can serialize it (the usual case), else a repaired copy."""
    try:
        orjson.dumps(value)
    except (TypeError, ValueError):
        return _repair(value, 0)
    return value


def _repair(value: object, depth: int) -> Any:
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        # Beyond 64 bits orjson gives up; the digits are kept, as text.
        return value if _INT_MIN <= value <= _INT_MAX else str(value)
    if isinstance(value, str):
        return clean(value)
    if depth >= _MAX_DEPTH:
        return "<nested too deep>"
    if isinstance(value, dict):
        return {clean(str(k)): _repair(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_repair(v, depth + 1) for v in value]
    return clean(repr(value))


def canonical(value: object) -> str:
    """Sorted-keys JSON text of `value`: equal for equal JSON, whatever the key order."""
    return orjson.dumps(json_safe(value), option=orjson.OPT_SORT_KEYS).decode("utf-8")
