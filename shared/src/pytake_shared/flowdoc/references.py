"""Which variables a flow reads and which it sets, for the publish-time warning.

Reads are the `{{name}}` placeholders anywhere in a node's data, a condition's `variable` and
a `set_variable` copy's source; sets are the flow's defaults, answers stored by questions and
interactive nodes, `set_variable` targets and API responses. Only the first segment of a
dotted path counts: `{{customer.body.name}}` is set by whatever sets `customer`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pytake_shared.flowdoc.catalogue import DEFAULT_RESPONSE_VARIABLE

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


def root(path: str) -> str:
    return path.strip().strip("{} ").split(".", 1)[0]


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside `value` with its field path (`queryParams.email`, `buttons[0].id`)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def reads(node_type: str, data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, variable) for every variable the node reads."""
    for field, text in _strings(data, ""):
        for match in PLACEHOLDER.finditer(text):
            yield field, root(match.group(1))
    if node_type == "condition":
        for index, cond in enumerate(_dicts(data.get("conditions"))):
            if isinstance(cond.get("variable"), str) and cond["variable"].strip():
                yield f"conditions[{index}].variable", root(cond["variable"])
    if node_type == "set_variable":
        for index, item in enumerate(_dicts(data.get("variables"))):
            value = item.get("value")
            if item.get("valueType") == "variable" and isinstance(value, str) and value.strip():
                yield f"variables[{index}].value", root(value)


def sets(node_type: str, data: Mapping[str, Any]) -> Iterator[str]:
    """The variables the node may set."""
    if node_type in ("question", "interactive_buttons", "interactive_list"):
        if isinstance(data.get("variableName"), str) and data["variableName"]:
            yield root(data["variableName"])
    elif node_type == "set_variable":
        for item in _dicts(data.get("variables")):
            if isinstance(item.get("name"), str) and item["name"]:
                yield root(item["name"])
    elif node_type == "api_call":
        yield root(str(data.get("responseVariable") or DEFAULT_RESPONSE_VARIABLE))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
