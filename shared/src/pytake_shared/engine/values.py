"""How the engine compares and counts values that arrive as text or JSON.

Both sides numeric (numbers, or strings that read as one) → compared as numbers; otherwise as
trimmed, case-insensitive text. Numbers are kept within ±2**53 and finite, because state and
events travel as JSON and a bigger integer or an infinity would not come back the same.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pytake_shared.engine.template import as_text

SAFE_INTEGER = 2**53
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

Number = int | float


def in_range(value: Number) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return abs(value) <= SAFE_INTEGER


def tidy(value: Number) -> Number:
    """An integral float as an int (`10 / 2` is 5, not 5.0), when it safely is one."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= SAFE_INTEGER:
        return int(value)
    return value


def as_number(value: Any) -> Number | None:
    """The number `value` is or reads as, or None (booleans are not numbers here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if in_range(value) else None
    # Longer text is no number we keep (and int() refuses very long digit strings).
    if isinstance(value, str) and len(value) <= 40 and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        number: Number = float(text) if any(c in text for c in ".eE") else int(text)
        return number if in_range(number) else None
    return None


def text_key(value: Any) -> str:
    return as_text(value).strip().casefold()


def compare(left: Any, right: Any) -> int:
    """-1, 0 or 1: numerically when both sides are numeric, else by normalized text."""
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    x, y = text_key(left), text_key(right)
    return (x > y) - (x < y)


def equal(left: Any, right: Any) -> bool:
    return compare(left, right) == 0
