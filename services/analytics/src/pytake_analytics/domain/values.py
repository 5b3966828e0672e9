"""Checks on client input that PostgreSQL, orjson or Kafka keys would otherwise reject late.

PostgreSQL's text and jsonb refuse NUL characters, UTF-8 refuses lone surrogates (which
Python's JSON parser accepts), orjson refuses integers beyond 64 bits and writes NaN as null.
Rejecting these up front turns what would be a 5xx into a 400 naming the field.
"""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 32
MAX_VALUES = 100_000
_INT64 = 1 << 63
SEALED_PREFIX = "enc:v1:"  # SecretBox's marker: a secret sent with it would never be sealed


def check_text(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    return text


def check_json(value: Any) -> Any:
    """Raise ValueError unless `value` (parsed JSON) can be stored and published as is."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise ValueError(f"document too large (more than {MAX_VALUES} values)")
        if depth > MAX_DEPTH:
            raise ValueError(f"document nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -_INT64 <= item < _INT64:
                raise ValueError("integers must fit in 64 bits")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError("numbers must be finite")
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(str(key))
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
    return value


def check_secret(value: str | None) -> str | None:
    if value is not None and value.startswith(SEALED_PREFIX):
        raise ValueError(f"a secret must not start with {SEALED_PREFIX!r}")
    return value
