"""`{{var}}` rendering: dotted paths into the variables, built-ins, empty when missing."""

from __future__ import annotations

import re
from typing import Any

import orjson

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


def lookup(variables: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (`a.b.0.c`), or None when any step is missing."""
    current: Any = variables
    if path in variables:
        return variables[path]
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def render(template: str, variables: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: _text(lookup(variables, m.group(1))), template)
