"""Nodes that decide without the contact: condition, set_variable, random, jump and delay."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pytake_shared.contracts.conversation_events import (
    FlowSwitched,
    NodeFailed,
    PathChosen,
    VariableSet,
)
from pytake_shared.engine import conditions, expressions
from pytake_shared.engine.flow import FALSE_NAMES, TRUE_NAMES, FlowError, Node, jump_kind
from pytake_shared.engine.run import Run
from pytake_shared.engine.template import lookup, variable_path
from pytake_shared.engine.values import as_number


def condition(run: Run, node: Node) -> Node | None:
    if conditions.evaluate(node.data, run.context()):
        return run.branch(node, TRUE_NAMES, FALSE_NAMES)
    return run.branch(node, FALSE_NAMES, TRUE_NAMES)


def set_variable(run: Run, node: Node) -> Node | None:
    items = node.data.get("variables")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            continue
        name, raw = str(item["name"]).strip(), item.get("value")
        value_type = str(item.get("valueType") or "static")
        value: Any = raw
        if value_type == "variable":
            value = lookup(run.context(), variable_path(str(raw or "")))
        elif value_type == "expression":
            try:
                value = expressions.evaluate(str(raw or ""), run.context())
            except expressions.ExpressionError as exc:
                # The variable keeps its value; the flow goes on, the failure is on record.
                run.emit(NodeFailed(node_id=node.id, reason=f"{name}: {exc}"))
                continue
        run.emit(VariableSet(node_id=node.id, name=name, value=value))
    return run.follow(node)


def random(run: Run, node: Node) -> Node | None:
    items = node.data.get("paths")
    paths = (
        [p for p in items if isinstance(p, dict) and p.get("id")] if isinstance(items, list) else []
    )
    if not paths:
        return run.follow(node)
    weights = [max(as_number(p.get("weight", 1)) or 0, 0) for p in paths]
    if not sum(weights):
        weights = [1] * len(paths)
    # Seeded by conversation and node, so a replay (and a revisit) chooses the same path.
    seed = f"{run.state.conversation_id}:{node.id}".encode()
    point = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") / 2**64 * sum(weights)
    chosen = paths[-1]
    for path, weight in zip(paths, weights, strict=True):
        if point < weight:
            chosen = path
            break
        point -= weight
    path_id = str(chosen["id"])
    run.emit(PathChosen(node_id=node.id, path_id=path_id))
    flow = run.flow
    edges = flow.edges.get(node.id, []) if flow is not None else []
    edge = next((e for e in edges if e.handle == path_id), None)
    return run.go(edge) if edge is not None else run.follow(node)


def jump(run: Run, node: Node) -> Node | None:
    data, flow = node.data, run.flow
    if jump_kind(data) == "node":
        target = flow.nodes.get(str(data.get("targetNodeId") or "")) if flow else None
        if target is None:
            _failed(run, node, f"no node {data.get('targetNodeId')!r} to jump to")
        return target
    other = run.flows.by_id(run.state.chatbot_id or "", str(data.get("targetFlowId") or ""))
    try:
        start = other.start if other is not None else None
    except FlowError:
        start = None
    if other is None or start is None:
        _failed(run, node, f"no flow {data.get('targetFlowId')!r} to jump to")
        return None
    run.emit(
        FlowSwitched(
            node_id=node.id,
            flow_id=other.id,
            flow_version=other.version,
            flow_name=other.name,
            variables=dict(other.variables),
        )
    )
    return run.go(other.default_edge(start.id))


def _failed(run: Run, node: Node, reason: str) -> None:
    run.emit(NodeFailed(node_id=node.id, reason=reason))
    run.close("jump_target_missing")


def delay(run: Run, node: Node) -> Node | None:
    seconds = as_number(node.data.get("delaySeconds"))
    if seconds is None or seconds <= 0:
        return run.follow(node)
    run.schedule("delay", run.now + math.ceil(seconds), node.id)
    run.wait(node.id, on="delay")
    return None
