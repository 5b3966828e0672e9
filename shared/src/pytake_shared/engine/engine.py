"""`decide`: what happens when a command reaches a conversation (pure; time comes in).

One command runs the flow from where the conversation waits until it waits again (question,
interactive node, delay, API call, handoff) or ends, at most `MAX_FLOW_ITERATIONS` node
executions: past that the conversation closes with reason `max_iterations`. Every step is an
event, applied to a working copy of the state as it is decided, so later nodes see what
earlier ones set and `evolve` over the events rebuilds the same state.
"""

from __future__ import annotations

from pytake_shared.contracts.conversation_events import (
    Event,
    InboundIgnored,
    InboundReceived,
    NodeEntered,
)
from pytake_shared.engine import control, timers, window
from pytake_shared.engine.commands import (
    Assign,
    Close,
    Command,
    CompleteApiCall,
    FireTimer,
    HandleInbound,
    HandleStatus,
    NotifyRateLimit,
    RecordWebhookResult,
    RestartFlow,
    Resume,
    SendAgentMessage,
)
from pytake_shared.engine.flow import Node
from pytake_shared.engine.nodes import NODES, REPLIES, calls
from pytake_shared.engine.run import Flows, Run
from pytake_shared.engine.state import WINDOW_SECONDS, ConversationState

MAX_FLOW_ITERATIONS = 100

__all__ = ["MAX_FLOW_ITERATIONS", "Command", "Flows", "HandleInbound", "decide"]


def decide(state: ConversationState, command: Command, flows: Flows) -> list[Event]:
    run = Run(state, flows, command.at)
    run_from(run, _dispatch(run, command))
    return run.events


def _dispatch(run: Run, command: Command) -> Node | None:
    """Apply `command`; the node the run continues at, if any."""
    match command:
        case HandleInbound():
            return _inbound(run, command)
        case FireTimer():
            return timers.on_timer(run, command)
        case CompleteApiCall():
            return calls.on_result(run, command)
        case RecordWebhookResult():
            calls.on_webhook_result(run, command)
            return None
        case HandleStatus():
            window.on_status(run, command)
            return None
        case SendAgentMessage():
            return control.send_agent_message(run, command)
        case Close():
            return control.close(run, command)
        case Resume():
            return control.resume(run, command)
        case Assign():
            return control.assign(run, command)
        case RestartFlow():
            return control.restart(run, command)
        case NotifyRateLimit():
            return control.notify_rate_limit(run, command)


def run_from(run: Run, node: Node | None) -> None:
    while node is not None:
        if run.steps >= MAX_FLOW_ITERATIONS:
            run.close("max_iterations")
            return
        run.steps += 1
        run.emit(NodeEntered(node_id=node.id, node_type=node.type))
        handler = NODES.get(node.type)
        if handler is None:
            # Publish-time validation refuses unknown types; an unvalidated document ends here.
            run.close(f"unsupported_node:{node.type}")
            return
        node = handler(run, node)


def _inbound(run: Run, inbound: HandleInbound) -> Node | None:
    before = run.state
    expired = (
        before.is_open
        and before.last_inbound_at is not None
        and inbound.at - before.last_inbound_at >= WINDOW_SECONDS
    )
    run.emit(
        InboundReceived(
            message_id=inbound.message_id,
            message_type=inbound.message_type,
            text=inbound.text,
            at=inbound.at,
            reply_id=inbound.reply_id,
            content=inbound.content,
        )
    )
    if expired:  # the session timer has not fired yet: the message finds the session over
        run.close("expired")
    state = run.state
    if not state.is_open:
        flow = run.flows.main_flow(inbound.chatbot_id)
        if flow is None:
            return None
        return control.start(
            run,
            flow,
            inbound.command_id,
            organization_id=inbound.organization_id,
            chatbot_id=inbound.chatbot_id,
            phone_number_id=inbound.phone_number_id,
            contact=inbound.contact,
        )
    flow = run.flow
    node = flow.nodes.get(state.current_node_id or "") if flow is not None else None
    if node is None:
        run.close("flow_unavailable")
        return None
    if state.status == "handoff":
        run.emit(InboundIgnored(message_id=inbound.message_id, reason="handoff"))
        return None
    if state.status == "waiting" and state.waiting_on in ("api_call", "delay"):
        reason = f"waiting_{state.waiting_on}"
        run.emit(InboundIgnored(message_id=inbound.message_id, reason=reason))
        return None
    reply = REPLIES.get(node.type)
    if state.status == "waiting" and state.waiting_on == "input" and reply is not None:
        return reply(run, node, inbound)
    # Waiting for the contact to reopen the window (or stopped mid-node): the node runs again.
    return node
