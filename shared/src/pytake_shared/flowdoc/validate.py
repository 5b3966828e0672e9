"""Publish-time validation: every error a flow must not be published with, located.

`validate` never raises: it reports errors (the document must not be published: no or several start
nodes, an edge to a missing node, an unknown node type, a condition without both branches or with a
pattern RE2 cannot run, WhatsApp limits broken, a jump to a missing node or flow) and warnings
(published anyway: unreachable nodes, variables read but never set, a literal URL of an `api_call`
or `webhook` the egress policy would refuse), each with the node id and the field at fault, so the
builder can point at it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pytake_shared.egress import EgressPolicy
from pytake_shared.flowdoc import patterns, texts
from pytake_shared.flowdoc.catalogue import (
    BUILT_INS,
    FALSE_NAMES,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_LIST_ROWS,
    MAX_TEXT,
    NODE_TYPES,
    TEXT_FIELDS,
    TRUE_NAMES,
    jump_kind,
)
from pytake_shared.flowdoc.parse import raw_parts
from pytake_shared.flowdoc.references import reads, root, sets


class Issue(BaseModel):
    model_config = ConfigDict(frozen=True)

    node_id: str | None
    field: str | None
    message: str


class ValidationReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    errors: list[Issue] = Field(default_factory=list)
    warnings: list[Issue] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(
    document: Mapping[str, Any],
    known_flow_ids: Collection[str] = (),
    known_variables: Collection[str] = (),
    egress: EgressPolicy | None = None,
) -> ValidationReport:
    """Check `document` before publishing it.

    `known_flow_ids`: the flows of the same chatbot a `jump` may target (the document's own
    `id` counts too). `known_variables`: set outside the flow (the chatbot's globals).
    `egress`: the policy flows' calls run under (the default one when not given).
    """
    raw_nodes, raw_edges = raw_parts(document)
    errors: list[Issue] = []
    nodes: dict[str, dict[str, Any]] = {}
    for index, raw in enumerate(raw_nodes):
        if not isinstance(raw, dict) or not raw.get("id"):
            errors.append(Issue(node_id=None, field=f"nodes[{index}].id", message="no id"))
        elif str(raw["id"]) in nodes:
            errors.append(Issue(node_id=str(raw["id"]), field="id", message="duplicate id"))
        else:
            nodes[str(raw["id"])] = raw
    edges = _edges(raw_edges, nodes, errors)
    starts = [i for i, n in nodes.items() if n.get("type") == "start"]
    if not starts:
        errors.append(Issue(node_id=None, field="nodes", message="no start node"))
    elif len(starts) > 1:
        message = f"one of {len(starts)} start nodes; a flow has exactly one"
        errors.extend(Issue(node_id=i, field="type", message=message) for i in starts)
    flows = {*known_flow_ids, *([str(document["id"])] if document.get("id") else [])}
    for node_id, raw in nodes.items():
        errors.extend(_node_errors(node_id, raw, nodes, edges.get(node_id, []), flows))
    warnings = list(_unreachable(starts, nodes, edges))
    warnings.extend(_unset(document, nodes, known_variables))
    warnings.extend(_refused_urls(nodes, egress or EgressPolicy()))
    warnings.extend(_texts(document))
    return ValidationReport(errors=errors, warnings=warnings)


def _edges(
    raw_edges: list[Any], nodes: Mapping[str, Any], errors: list[Issue]
) -> dict[str, list[dict[str, Any]]]:
    by_source: dict[str, list[dict[str, Any]]] = {}
    for index, raw in enumerate(raw_edges):
        if not isinstance(raw, dict):
            continue
        name = f"edges[{raw.get('id') or index}]"
        source, target = str(raw.get("source") or ""), str(raw.get("target") or "")
        if source not in nodes:
            message = f"starts at a missing node {source!r}"
            errors.append(Issue(node_id=None, field=f"{name}.source", message=message))
        elif target not in nodes:
            message = f"leads to a missing node {target!r}"
            errors.append(Issue(node_id=source, field=f"{name}.target", message=message))
        else:
            by_source.setdefault(source, []).append(raw)
    return by_source


def _named(edge: Mapping[str, Any], names: Collection[str]) -> bool:
    return any(
        isinstance(edge.get(k), str) and edge[k].lower() in names for k in ("sourceHandle", "label")
    )


def _node_errors(
    node_id: str,
    raw: Mapping[str, Any],
    nodes: Mapping[str, Any],
    edges: list[dict[str, Any]],
    flows: Collection[str],
) -> Iterator[Issue]:
    kind, data = str(raw.get("type") or ""), raw.get("data") or {}
    if kind not in NODE_TYPES:
        yield Issue(node_id=node_id, field="type", message=f"unknown node type {kind!r}")
        return
    for field in TEXT_FIELDS.get(kind, ()):
        head, _, tail = field.partition(".")
        text = data.get(head)
        text = text.get(tail) if tail and isinstance(text, dict) else text
        if isinstance(text, str) and len(text) > MAX_TEXT:
            message = f"{len(text)} characters; WhatsApp sends at most {MAX_TEXT}"
            yield Issue(node_id=node_id, field=field, message=message)
    if kind == "condition":
        yield from _patterns(node_id, _list(data.get("conditions")))
        missing = [
            name
            for name, names in (("true", TRUE_NAMES), ("false", FALSE_NAMES))
            if not any(_named(e, names) for e in edges)
        ]
        if missing:
            message = f"no {' and no '.join(missing)} branch; a condition needs both"
            yield Issue(node_id=node_id, field="edges", message=message)
    elif kind == "interactive_buttons":
        yield from _buttons(node_id, "buttons", "title", _list(data.get("buttons")))
    elif kind == "question":
        options = _list(data.get("options"))
        if len(options) > MAX_LIST_ROWS:
            message = f"{len(options)} options; a list holds at most {MAX_LIST_ROWS}"
            yield Issue(node_id=node_id, field="options", message=message)
        elif len(options) <= MAX_BUTTONS:  # sent as reply buttons: the labels are titles
            yield from _buttons(node_id, "options", "label", options)
    elif kind == "interactive_list":
        rows = sum(len(_list(s.get("rows"))) for s in _list(data.get("sections")))
        if rows > MAX_LIST_ROWS:
            message = f"{rows} rows; a list holds at most {MAX_LIST_ROWS}"
            yield Issue(node_id=node_id, field="sections", message=message)
    elif kind == "jump":
        if jump_kind(data) == "flow":
            target = data.get("targetFlowId")
            if not target or str(target) not in flows:
                message = f"jumps to a flow {target!r} this chatbot does not have"
                yield Issue(node_id=node_id, field="targetFlowId", message=message)
        elif not data.get("targetNodeId") or str(data["targetNodeId"]) not in nodes:
            message = f"jumps to a missing node {data.get('targetNodeId')!r}"
            yield Issue(node_id=node_id, field="targetNodeId", message=message)


def _patterns(node_id: str, conditions: list[dict[str, Any]]) -> Iterator[Issue]:
    """`matches` patterns written out (not built from variables) must compile on RE2."""
    for index, condition in enumerate(conditions):
        pattern = condition.get("value")
        operator = str(condition.get("operator") or "").strip().lower()
        if operator == "matches" and isinstance(pattern, str) and "{{" not in pattern:
            reason = patterns.check(pattern)
            if reason is not None:
                yield Issue(node_id=node_id, field=f"conditions[{index}].value", message=reason)


def _buttons(node_id: str, field: str, title: str, items: list[dict[str, Any]]) -> Iterator[Issue]:
    if len(items) > MAX_BUTTONS:
        message = f"{len(items)} buttons; WhatsApp shows at most {MAX_BUTTONS}"
        yield Issue(node_id=node_id, field=field, message=message)
    for index, item in enumerate(items):
        text = item.get(title)
        if isinstance(text, str) and len(text) > MAX_BUTTON_TITLE:
            message = f"button title of {len(text)} characters; at most {MAX_BUTTON_TITLE}"
            yield Issue(node_id=node_id, field=f"{field}[{index}].{title}", message=message)


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _unreachable(
    starts: list[str], nodes: Mapping[str, Any], edges: Mapping[str, list[dict[str, Any]]]
) -> Iterator[Issue]:
    if not starts:
        return  # already an error; every node would be reported
    seen, todo = set(starts), deque(starts)
    while todo:
        current = todo.popleft()
        data = nodes[current].get("data") or {}
        targets = [str(e.get("target")) for e in edges.get(current, [])]
        if nodes[current].get("type") == "jump" and jump_kind(data) == "node":
            targets.append(str(data.get("targetNodeId") or ""))
        for target in targets:
            if target in nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    for node_id in nodes:
        if node_id not in seen:
            yield Issue(node_id=node_id, field=None, message="unreachable from the start node")


def _texts(document: Mapping[str, Any]) -> Iterator[Issue]:
    """A language the engine has no texts for, and flow texts it would never use."""
    wanted = document.get("language")
    if wanted is not None and texts.language(wanted) is None:
        supported = ", ".join(texts.LANGUAGES)
        message = f"{wanted!r} is not a language PyTake writes in ({supported}): English is used"
        yield Issue(node_id=None, field="language", message=message)
    own = document.get("texts")
    for key in sorted(own) if isinstance(own, dict) else []:
        if key not in texts.KEYS:
            message = f"no text of the engine is called {key!r} ({', '.join(sorted(texts.KEYS))})"
            yield Issue(node_id=None, field=f"texts.{key}", message=message)


def _refused_urls(nodes: Mapping[str, Any], policy: EgressPolicy) -> Iterator[Issue]:
    """URLs written out (no placeholder before the path) that the executor would refuse."""
    for node_id, raw in nodes.items():
        url = (raw.get("data") or {}).get("url")
        if raw.get("type") not in ("api_call", "webhook") or not isinstance(url, str):
            continue
        if "{{" in url.split("/", 3)[2 if "://" in url else 0]:
            continue  # the host comes from a variable: judged when the call is made
        reason = policy.refuse_url(url)
        if reason is not None:
            yield Issue(node_id=node_id, field="url", message=f"will be refused: {reason}")


def _unset(
    document: Mapping[str, Any], nodes: Mapping[str, Any], known: Collection[str]
) -> Iterator[Issue]:
    defaults = document.get("variables")
    names = {*BUILT_INS, *known}
    for name in defaults if isinstance(defaults, dict) else {}:
        names.update((str(name), root(str(name))))
    for raw in nodes.values():
        names.update(sets(str(raw.get("type") or ""), raw.get("data") or {}))
    for node_id, raw in nodes.items():
        for field, name in sorted(set(reads(str(raw.get("type") or ""), raw.get("data") or {}))):
            if name and name not in names:
                message = f"reads {name!r}, which nothing in the flow sets"
                yield Issue(node_id=node_id, field=field, message=message)
