"""Conversation state and `evolve`, the fold of events into it (pure, total, replayable)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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

Status = Literal["new", "active", "waiting", "closed"]


class ConversationState(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    status: Status = "new"
    conversation_id: str | None = None
    organization_id: str | None = None
    chatbot_id: str | None = None
    phone_number_id: str | None = None
    contact: dict[str, Any] = Field(default_factory=dict)
    flow_id: str | None = None
    flow_version: int | None = None
    flow_name: str | None = None
    current_node_id: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    path: list[str] = Field(default_factory=list)
    last_input: str | None = None
    last_inbound_at: int | None = None
    started_at: int | None = None
    messages_queued: int = 0
    close_reason: str | None = None


def evolve(state: ConversationState, event: Event) -> ConversationState:
    match event:
        case ConversationStarted():
            return ConversationState(
                key=state.key,
                status="active",
                conversation_id=event.conversation_id,
                organization_id=event.organization_id,
                chatbot_id=event.chatbot_id,
                phone_number_id=event.phone_number_id,
                contact=event.contact,
                flow_id=event.flow_id,
                flow_version=event.flow_version,
                flow_name=event.flow_name,
                variables=event.variables,
                started_at=event.at,
                last_inbound_at=state.last_inbound_at,
                last_input=state.last_input,
            )
        case InboundReceived():
            return state.model_copy(update={"last_inbound_at": event.at, "last_input": event.text})
        case NodeEntered():
            return state.model_copy(
                update={
                    "status": "active",
                    "current_node_id": event.node_id,
                    "path": [*state.path, event.node_id],
                }
            )
        case MessageQueued():
            return state.model_copy(update={"messages_queued": state.messages_queued + 1})
        case WaitingForInput():
            return state.model_copy(update={"status": "waiting", "current_node_id": event.node_id})
        case InputCaptured():
            variables = dict(state.variables)
            if event.variable:
                variables[event.variable] = event.value
            return state.model_copy(update={"variables": variables, "status": "active"})
        case ConversationClosed():
            return state.model_copy(update={"status": "closed", "close_reason": event.reason})
    raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover
