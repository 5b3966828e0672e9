"""`{{var}}` rendering: dotted paths into the variables, built-ins, empty when missing.

`render` makes text; `render_value` renders every string inside a JSON-like value (API call
headers and bodies, template parameters) and keeps the rest as it is. A rendered text is at
most `MAX_RENDERED` characters: a flow repeating a large variable in one template cannot make
the executor build megabytes.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_WHOLE = re.compile(r"\s*\{\{\s*([^{}]+?)\s*\}\}\s*")
MAX_RENDERED = 65_536


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


def variable_path(reference: str) -> str:
    """`name`, `{{ name }}` or ` name ` → `name`: how builders write a variable reference."""
    whole = _WHOLE.fullmatch(reference)
    return (whole.group(1) if whole else reference).strip()


def as_text(value: Any) -> str:
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
    room = MAX_RENDERED - len(template)

    def value(match: re.Match[str]) -> str:
        nonlocal room
        text = as_text(lookup(variables, match.group(1)))[: max(0, room)]
        room -= len(text)
        return text

    return _PLACEHOLDER.sub(value, template)[:MAX_RENDERED]


def render_value(value: Any, variables: dict[str, Any]) -> Any:
    """`value` with every string in it rendered (dict keys included)."""
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, dict):
        return {render(str(k), variables): render_value(v, variables) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render_value(v, variables) for v in value]
    return value
