"""Conversation events: what happened, past tense; the only input of `evolve`.

Each is published on `conversation.events.v1` as `pytake.conversation.<name>` with its fields
as `data`, so analytics and replay read exactly what the executor folded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Event(BaseModel):
    # Published events carry enrichments (e.g. `conversation_id`) that replay must tolerate.
    model_config = ConfigDict(frozen=True, extra="ignore")


class ConversationStarted(_Event):
    type: Literal["conversation_started"] = "conversation_started"
    conversation_id: str
    organization_id: str
    chatbot_id: str
    phone_number_id: str
    contact: dict[str, Any]
    flow_id: str
    flow_version: int
    flow_name: str
    variables: dict[str, Any] = Field(default_factory=dict)
    at: int


class InboundReceived(_Event):
    type: Literal["inbound_received"] = "inbound_received"
    message_id: str | None
    message_type: str
    text: str | None
    at: int


class NodeEntered(_Event):
    type: Literal["node_entered"] = "node_entered"
    node_id: str
    node_type: str


class MessageQueued(_Event):
    type: Literal["message_queued"] = "message_queued"
    outbound_id: str
    node_id: str | None
    message: dict[str, Any]


class WaitingForInput(_Event):
    type: Literal["waiting_for_input"] = "waiting_for_input"
    node_id: str


class InputCaptured(_Event):
    type: Literal["input_captured"] = "input_captured"
    node_id: str
    variable: str | None
    value: Any


class ConversationClosed(_Event):
    type: Literal["conversation_closed"] = "conversation_closed"
    reason: str
    at: int


Event = Annotated[
    ConversationStarted
    | InboundReceived
    | NodeEntered
    | MessageQueued
    | WaitingForInput
    | InputCaptured
    | ConversationClosed,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
