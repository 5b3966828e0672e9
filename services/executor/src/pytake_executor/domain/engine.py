"""`decide`: what happens when a command reaches a conversation (pure; time comes in).

One inbound message runs the flow from where the conversation waits until it waits again or
ends, at most `MAX_FLOW_ITERATIONS` node executions. Every step is an event, applied to a
working copy of the state as it is decided, so later nodes see what earlier ones set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pytake_executor.domain.events import (
    ConversationClosed,
    ConversationStarted,
    Event,
    InboundReceived,
    InputCaptured,
    MessageQueued,
    NodeEntered,
    WaitingForInput,
)
from pytake_executor.domain.flow import Flow, Node
from pytake_executor.domain.state import ConversationState, evolve
from pytake_executor.domain.template import render
from pytake_shared.envelope import deterministic_id

MAX_FLOW_ITERATIONS = 100


@dataclass(frozen=True)
class Inbound:
    """An inbound message, as the engine needs it."""

    command_id: str
    organization_id: str
    chatbot_id: str
    phone_number_id: str
    contact: dict[str, Any]
    message_id: str | None
    message_type: str
    text: str | None
    reply_id: str | None
    at: int


@dataclass(frozen=True)
class Flows:
    """How the engine finds flows (a lookup, no I/O of its own)."""

    main_flow: Callable[[str], Flow | None]
    by_version: Callable[[str, int], Flow | None]


class _Run:
    def __init__(self, state: ConversationState) -> None:
        self.state = state
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)
        self.state = evolve(self.state, event)


def decide(state: ConversationState, inbound: Inbound, flows: Flows) -> list[Event]:
    run = _Run(state)
    run.emit(
        InboundReceived(
            message_id=inbound.message_id,
            message_type=inbound.message_type,
            text=inbound.text,
            at=inbound.at,
        )
    )
    if state.status in ("new", "closed"):
        flow = flows.main_flow(inbound.chatbot_id)
        if flow is None:
            return run.events
        run.emit(
            ConversationStarted(
                conversation_id=str(deterministic_id("conversation", inbound.command_id)),
                organization_id=inbound.organization_id,
                chatbot_id=inbound.chatbot_id,
                phone_number_id=inbound.phone_number_id,
                contact=inbound.contact,
                flow_id=flow.id,
                flow_version=flow.version,
                flow_name=flow.name,
                variables=dict(flow.variables),
                at=inbound.at,
            )
        )
        _run_from(run, flow, flow.start)
        return run.events
    flow = flows.by_version(state.flow_id or "", state.flow_version or 0)
    node = flow.nodes.get(state.current_node_id or "") if flow is not None else None
    if flow is None or node is None:
        run.emit(ConversationClosed(reason="flow_unavailable", at=inbound.at))
        return run.events
    if state.status == "waiting":
        run.emit(
            InputCaptured(
                node_id=node.id, variable=node.data.get("variableName"), value=inbound.text
            )
        )
        _follow(run, flow, node)
    return run.events


def _follow(run: _Run, flow: Flow, node: Node) -> None:
    edge = flow.default_edge(node.id)
    if edge is None:
        run.emit(ConversationClosed(reason="completed", at=run.state.last_inbound_at or 0))
        return
    _run_from(run, flow, flow.nodes[edge.target])


def _run_from(run: _Run, flow: Flow, node: Node | None) -> None:
    steps = 0
    while node is not None:
        steps += 1
        if steps > MAX_FLOW_ITERATIONS:
            run.emit(ConversationClosed(reason="max_iterations", at=run.state.last_inbound_at or 0))
            return
        run.emit(NodeEntered(node_id=node.id, node_type=node.type))
        if node.type == "start":
            pass
        elif node.type == "message":
            _queue_text(run, node, node.data.get("content") or "")
        elif node.type == "question":
            _queue_text(run, node, node.data.get("content") or node.data.get("label") or "")
            run.emit(WaitingForInput(node_id=node.id))
            return
        elif node.type == "end":
            if node.data.get("content"):
                _queue_text(run, node, node.data["content"])
            run.emit(ConversationClosed(reason="completed", at=run.state.last_inbound_at or 0))
            return
        else:
            run.emit(
                ConversationClosed(
                    reason=f"unsupported_node:{node.type}", at=run.state.last_inbound_at or 0
                )
            )
            return
        edge = flow.default_edge(node.id)
        node = flow.nodes[edge.target] if edge is not None else None
    run.emit(ConversationClosed(reason="completed", at=run.state.last_inbound_at or 0))


def render_context(state: ConversationState) -> dict[str, Any]:
    """The variables a template sees: flow defaults, collected values, built-ins."""
    contact = state.contact
    return {
        **state.variables,
        "contact": {
            "name": contact.get("name") or "",
            "phone": contact.get("wa_id") or "",
            "id": contact.get("id") or "",
        },
        "flow": {"name": state.flow_name or ""},
        "last_input": state.last_input or "",
        "now": datetime.fromtimestamp(state.last_inbound_at or 0, UTC).isoformat(),
    }


def _queue_text(run: _Run, node: Node, template: str) -> None:
    state = run.state
    text = render(template, render_context(state))
    if not text.strip():
        return  # Meta refuses an empty text; a node whose text renders empty sends nothing
    outbound_id = deterministic_id("outbound", state.conversation_id, state.messages_queued)
    run.emit(
        MessageQueued(
            outbound_id=str(outbound_id),
            node_id=node.id,
            message={"kind": "text", "text": text},
        )
    )
