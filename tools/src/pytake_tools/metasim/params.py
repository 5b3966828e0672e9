"""Typed readers for one parameter of a request body, raising Meta's error for a bad one.

A request body is arbitrary JSON, so every read checks the type before using the value; that is
what keeps the simulator from answering 500 to hostile input. Parameters are named the way
Meta's `error_data.details` names them: `to`, `text['body']`,
`interactive['action']['buttons'][0]['reply']['title']`.
"""

from __future__ import annotations

from typing import Any

from pytake_tools.metasim.errors import MetaError, invalid, missing


def where(path: str, key: str | int) -> str:
    """The name of `key` inside `path` as Meta's details spell it."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}['{key}']" if path else key


def obj(parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """A required JSON object."""
    value = opt_obj(parent, key, path)
    if value is None:
        raise missing(f"The parameter {where(path, key)} is required.")
    return value


def opt_obj(parent: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"Param {where(path, key)} must be a JSON object.")
    return value


def array(parent: dict[str, Any], key: str, path: str) -> list[Any]:
    """A required JSON array (it may be empty: counts are checked by the caller)."""
    value = parent.get(key)
    if value is None:
        raise missing(f"The parameter {where(path, key)} is required.")
    if not isinstance(value, list):
        raise invalid(f"Param {where(path, key)} must be an array.")
    return value


def item_obj(items: list[Any], index: int, path: str) -> dict[str, Any]:
    value = items[index]
    if not isinstance(value, dict):
        raise invalid(f"Param {where(path, index)} must be a JSON object.")
    return value


def text(
    parent: dict[str, Any],
    key: str,
    path: str,
    *,
    max_len: int | None = None,
    too_long: int = 100,
) -> str:
    """A required, non-empty string of at most `max_len` characters."""
    value = opt_text(parent, key, path, max_len=max_len, too_long=too_long)
    if not value:
        raise missing(f"The parameter {where(path, key)} is required.")
    return value


def opt_text(
    parent: dict[str, Any],
    key: str,
    path: str,
    *,
    max_len: int | None = None,
    too_long: int = 100,
) -> str | None:
    """An optional string; `too_long` is the code Meta gives when it breaks the limit."""
    value = parent.get(key)
    if value is None:
        return None
    name = where(path, key)
    if not isinstance(value, str):
        raise invalid(f"Param {name} must be a string.")
    if max_len is not None and len(value) > max_len:
        if too_long == 100:
            raise invalid(f"Param {name} must be at most {max_len} characters long.")
        raise MetaError(
            too_long, f"Param {name} length invalid. Min length: 1, Max length: {max_len}."
        )
    return value


def choice(parent: dict[str, Any], key: str, path: str, allowed: frozenset[str]) -> str:
    """A required string among `allowed`."""
    value = text(parent, key, path)
    if value not in allowed:
        options = ", ".join(sorted(allowed))
        raise invalid(f"Param {where(path, key)} must be one of {{{options}}}.")
    return value


def number(parent: dict[str, Any], key: str, path: str, *, bound: float) -> float:
    """A required coordinate: a JSON number or numeric string within [-bound, bound]."""
    value = parent.get(key)
    name = where(path, key)
    if value is None:
        raise missing(f"The parameter {name} is required.")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(f"Param {name} must be a number.")
    try:
        result = float(value)
    except (ValueError, OverflowError):
        raise invalid(f"Param {name} must be a number.") from None
    if not -bound <= result <= bound:  # also rejects nan
        raise invalid(f"Param {name} must be between {-bound:g} and {bound:g}.")
    return result


def flag(parent: dict[str, Any], key: str, path: str) -> None:
    """An optional boolean."""
    value = parent.get(key)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"Param {where(path, key)} must be a boolean.")
