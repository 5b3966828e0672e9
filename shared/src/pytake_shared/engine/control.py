"""Commands from people rather than the contact: an agent's message, close, resume after a
handoff, restart the flow; and the router's rate-limit notice. Each is ignored, with a recorded
reason, when it does not apply (no conversation yet, nothing to close, not in handoff, no such
flow)."""

from __future__ import annotations

from typing import Any

from pytake_shared.contracts.conversation_events import (
    CommandIgnored,
    ConversationAssigned,
    ConversationStarted,
    InboundIgnored,
    Resumed,
)
from pytake_shared.engine.commands import (
    Assign,
    Close,
    NotifyRateLimit,
    RestartFlow,
    Resume,
    SendAgentMessage,
)
from pytake_shared.engine.flow import Flow, FlowError, Node
from pytake_shared.engine.run import Run
from pytake_shared.engine.state import WINDOW_SECONDS
from pytake_shared.envelope import deterministic_id


def start(
    run: Run,
    flow: Flow,
    command_id: str,
    *,
    organization_id: str,
    chatbot_id: str,
    phone_number_id: str,
    contact: dict[str, Any],
) -> Node | None:
    """A new conversation on `flow`; returns the start node to run (None: cannot run)."""
    try:
        node = flow.start
    except FlowError:
        return None
    run.emit(
        ConversationStarted(
            conversation_id=str(deterministic_id("conversation", command_id)),
            organization_id=organization_id,
            chatbot_id=chatbot_id,
            phone_number_id=phone_number_id,
            contact=contact,
            flow_id=flow.id,
            flow_version=flow.version,
            flow_name=flow.name,
            variables=dict(flow.variables),
            at=run.now,
        )
    )
    run.schedule("session", (run.state.last_inbound_at or run.now) + WINDOW_SECONDS, None)
    return node


def send_agent_message(run: Run, command: SendAgentMessage) -> Node | None:
    if run.state.conversation_id is None:
        run.emit(CommandIgnored(command=command.type, reason="no_conversation"))
    elif command.template is not None:
        template = command.template
        message = {
            "kind": "template",
            "template_name": str(template.get("name") or ""),
            "language_code": str(template.get("language_code") or "en_US"),
            "components": [x for x in template.get("components") or [] if isinstance(x, dict)],
        }
        if not message["template_name"]:
            run.emit(CommandIgnored(command=command.type, reason="empty"))
        else:  # a template is what Meta delivers outside the 24-hour window too
            run.send(None, message, author="agent")
    elif not command.text.strip():
        run.emit(CommandIgnored(command=command.type, reason="empty"))
    else:
        run.send(None, {"kind": "text", "text": command.text}, author="agent")
    return None


def close(run: Run, command: Close) -> Node | None:
    if not run.state.is_open:
        run.emit(CommandIgnored(command=command.type, reason="not_open"))
    else:
        run.close(command.reason or "closed_by_agent")
    return None


def resume(run: Run, command: Resume) -> Node | None:
    state, flow = run.state, run.flow
    if state.status != "handoff":
        run.emit(CommandIgnored(command=command.type, reason="not_in_handoff"))
        return None
    target = command.node_id or state.current_node_id or ""
    node = flow.nodes.get(target) if flow is not None else None
    if node is None:
        run.emit(CommandIgnored(command=command.type, reason="no_such_node"))
        return None
    run.emit(Resumed(node_id=command.node_id, at=run.now))
    if state.assigned_to is not None:  # the bot has it again: no agent holds it any more
        run.emit(ConversationAssigned(agent_id=None, at=run.now))
    if command.node_id is None and node.type == "handoff":
        return run.follow(node)  # back to the bot after the handoff node
    return node  # the node it was handed off from (or the one asked for) runs again


def assign(run: Run, command: Assign) -> Node | None:
    state = run.state
    if not state.is_open:
        run.emit(CommandIgnored(command=command.type, reason="not_open"))
        return None
    if state.assigned_to == command.agent_id:
        run.emit(CommandIgnored(command=command.type, reason="already_assigned"))
    else:
        run.emit(ConversationAssigned(agent_id=command.agent_id, by=command.by, at=run.now))
    if command.agent_id is not None and command.takeover and state.status != "handoff":
        run.handoff(state.current_node_id, "agent_takeover")  # the bot steps aside
    return None


def restart(run: Run, command: RestartFlow) -> Node | None:
    chatbot_id = run.state.chatbot_id
    if chatbot_id is None:
        run.emit(CommandIgnored(command=command.type, reason="no_conversation"))
        return None
    flows = run.flows
    flow = (
        flows.by_id(chatbot_id, command.flow_id) if command.flow_id else flows.main_flow(chatbot_id)
    )
    if flow is None:
        run.emit(CommandIgnored(command=command.type, reason="no_flow"))
        return None
    state = run.state
    if state.is_open:
        run.close("restarted")
    return start(
        run,
        flow,
        command.command_id,
        organization_id=state.organization_id or "",
        chatbot_id=chatbot_id,
        phone_number_id=state.phone_number_id or "",
        contact=state.contact,
    )


def notify_rate_limit(run: Run, command: NotifyRateLimit) -> Node | None:
    """The excess message is recorded (not run through the flow) and the contact told to slow
    down, in order with the bot's messages; the flow stays where it was."""
    run.emit(InboundIgnored(message_id=command.message_id, reason="rate_limited"))
    if not run.state.is_open:
        run.emit(CommandIgnored(command=command.type, reason="not_open"))
    else:  # the organization's wording, else the flow's language's
        text = command.text.strip() or run.text("rate_limit_notice")
        run.send(None, {"kind": "text", "text": text})
    return None
