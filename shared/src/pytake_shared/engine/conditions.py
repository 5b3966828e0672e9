"""The `condition` node's tests: one comparison per entry, joined by AND or OR.

Operators: `== != > < >= <= contains not_contains starts_with ends_with in not_in is_empty
is_not_empty matches`. Both sides numeric → compared as numbers, else as trimmed,
case-insensitive text. A missing variable makes every comparison false except `is_empty`.
`matches` is a regular expression search on RE2 (`pytake_shared.flowdoc.patterns`: linear in
the input, so no pattern can hold the executor); a literal pattern RE2 cannot run is refused at
publish, and one built from variables at run time is simply false.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from pytake_shared.engine.template import lookup, render, variable_path
from pytake_shared.engine.values import compare, equal, text_key
from pytake_shared.flowdoc import patterns

_ORDERING: dict[str, Callable[[int], bool]] = {
    "==": lambda c: c == 0,
    "!=": lambda c: c != 0,
    ">": lambda c: c > 0,
    "<": lambda c: c < 0,
    ">=": lambda c: c >= 0,
    "<=": lambda c: c <= 0,
}


def evaluate(data: dict[str, Any], variables: dict[str, Any]) -> bool:
    """The node's verdict: all (AND, the default) or any (OR) of its conditions hold."""
    items = data.get("conditions")
    conditions = [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []
    results = (holds(c, variables) for c in conditions)
    if str(data.get("logicOperator") or "AND").upper() == "OR":
        return any(results)
    return all(results)


def holds(condition: dict[str, Any], variables: dict[str, Any]) -> bool:
    operator = str(condition.get("operator") or "==").strip().lower()
    actual = lookup(variables, variable_path(str(condition.get("variable") or "")))
    if operator == "is_empty":
        return is_empty(actual)
    if operator == "is_not_empty":
        return not is_empty(actual)
    if actual is None:
        return False
    expected = condition.get("value")
    if isinstance(expected, str):
        expected = render(expected, variables)
    if operator in _ORDERING:
        return _ORDERING[operator](compare(actual, expected))
    if operator in ("contains", "not_contains"):
        found = _contains(actual, expected)
        return found if operator == "contains" else not found
    if operator == "starts_with":
        return text_key(actual).startswith(text_key(expected))
    if operator == "ends_with":
        return text_key(actual).endswith(text_key(expected))
    if operator in ("in", "not_in"):
        found = any(equal(actual, option) for option in _choices(expected))
        return found if operator == "in" else not found
    if operator == "matches":
        return _matches(actual, expected)
    return False  # an operator the engine does not know never holds


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return False


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(equal(item, expected) for item in actual)
    return text_key(expected) in text_key(actual)


def _choices(expected: Any) -> list[Any]:
    """A JSON array, or a comma-separated list, of the values `in` accepts."""
    if isinstance(expected, list):
        return expected
    text = "" if expected is None else str(expected).strip()
    if text.startswith("["):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    return [part.strip() for part in text.split(",")]


def _matches(actual: Any, pattern: Any) -> bool:
    if not isinstance(pattern, str):
        return False
    return patterns.search(pattern, actual if isinstance(actual, str) else text_key(actual))
