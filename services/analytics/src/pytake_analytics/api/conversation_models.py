"""Request and response models of `/conversations`, and the projection rows → models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pytake_analytics.api.media_models import MediaRef
from pytake_analytics.api.models import Body, JsonOut, Listing
from pytake_analytics.domain.deliveries import error_code_of, error_reason_of, status_of
from pytake_analytics.domain.window import Window

Phone = Annotated[str, Field(pattern=r"^\+?[A-Za-z0-9._-]{1,64}$")]
NumberId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
ConversationStatus = Literal["active", "handoff", "closed"]


class ConversationOut(BaseModel):
    id: str
    organization_id: uuid.UUID
    key: str
    phone: str
    contact_name: str | None
    contact: JsonOut
    phone_number_id: str
    chatbot_id: str | None
    flow_id: str | None
    flow_version: int | None
    flow_name: str | None
    status: ConversationStatus
    started_at: datetime
    last_inbound_at: datetime | None
    last_activity_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    completed: bool
    had_handoff: bool
    messages_in: int
    messages_out: int
    first_response_ms: int | None
    current_node_id: str | None
    assigned_to: uuid.UUID | None = Field(None, description="the agent who took it")
    assigned_at: datetime | None = None
    handoff_at: datetime | None = Field(None, description="waiting for a human since")
    handoff_priority: str | None = Field(None, description="low, normal, high or urgent")
    handoff_reason: str | None = Field(
        None, description="node, api_error, inactivity, window_closed or agent_takeover"
    )
    handoff_context: str | None = None


def conversation_out(row: dict[str, Any]) -> ConversationOut:
    contact = row["contact"] if isinstance(row["contact"], dict) else {}
    return ConversationOut.model_validate(
        {
            **row,
            "phone": row["contact_id"],
            "contact_name": contact.get("name") if isinstance(contact.get("name"), str) else None,
            "contact": contact,
        }
    )


class AssignIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"agent_id": "7d7b9c1e-6d1f-4a57-9a43-0ef0c1a1a111"}]}
    )

    agent_id: uuid.UUID | None = Field(
        default=None, description="the agent to give it to (default: you); null with release"
    )
    release: bool = Field(default=False, description="let it go: assigned to nobody")
    takeover: bool = Field(
        default=True, description="also pause the bot when it is talking to the contact"
    )


class ConversationPage(Listing):
    conversations: list[ConversationOut]


class FlowRef(BaseModel):
    id: str | None
    version: int | None


class CurrentState(BaseModel):
    status: ConversationStatus
    current_node_id: str | None
    variables: JsonOut
    execution_path: list[str]
    flow: FlowRef


def current_state(row: dict[str, Any]) -> CurrentState:
    return CurrentState(
        status=row["status"],
        current_node_id=row["current_node_id"],
        variables=row["variables"] if isinstance(row["variables"], dict) else {},
        execution_path=[str(p) for p in row["path"]] if isinstance(row["path"], list) else [],
        flow=FlowRef(id=row["current_flow_id"], version=row["current_flow_version"]),
    )


class HistoryMessage(BaseModel):
    id: str
    conversation_id: str
    direction: Literal["in", "out"]
    author: Literal["contact", "bot", "agent"]
    kind: str
    text: str | None
    body: JsonOut
    node_id: str | None
    outbound_id: str | None
    message_id: str | None = Field(description="Meta's wamid")
    at: datetime = Field(
        description="whole seconds, in and out alike (Meta gives inbound times to the second)"
    )
    position: int = Field(
        description="the order of the conversation (messages come sorted by it): at ties on "
        "the second, position does not"
    )
    status: str = Field(
        description="received (inbound); queued, retrying, indefinite, cancelled, accepted, "
        "sent, delivered, read, failed (outbound)"
    )
    error_code: int | None
    error_reason: str | None = Field(
        default=None, description="Meta's words for a failure (failed outbound messages)"
    )
    delivered_at: datetime | None
    read_at: datetime | None
    media: MediaRef | None = Field(
        default=None, description="a contact's media: pending, stored (with a link) or failed"
    )


def history_out(row: dict[str, Any], media: MediaRef | None = None) -> HistoryMessage:
    inbound = row["direction"] == "in"
    return HistoryMessage.model_validate(
        {
            **row,
            "body": row["body"] if isinstance(row["body"], dict) else {},
            "at": row["at"].replace(microsecond=0),
            "status": "received" if inbound else status_of(row),
            "error_code": None if inbound else error_code_of(row),
            "error_reason": None if inbound else error_reason_of(row),
            "media": media,
        }
    )


class WindowStatus(BaseModel):
    window_status: Literal["active", "expired"]
    hours_remaining: float
    template_required: bool
    expires_at: datetime | None
    conversation_id: str
    phone_number_id: str


def window_out(w: Window, conversation: dict[str, Any]) -> WindowStatus:
    return WindowStatus(
        window_status="active" if w.active else "expired",
        hours_remaining=w.hours_remaining,
        template_required=w.template_required,
        expires_at=w.expires_at,
        conversation_id=conversation["id"],
        phone_number_id=conversation["phone_number_id"],
    )


class ConversationDetail(BaseModel):
    conversation: ConversationOut
    current_state: CurrentState
    window: WindowStatus
    messages: list[HistoryMessage]
    numbers: list[str] = Field(description="every number this contact has conversations on")


class TemplateIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "order_update",
                    "language_code": "pt_BR",
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}
                    ],
                }
            ]
        }
    )

    name: str = Field(min_length=1, max_length=512)
    language_code: str = Field(default="en_US", min_length=1, max_length=20)
    components: list[dict[str, Any]] = Field(default_factory=list, max_length=20)


class SendIn(Body):
    """Exactly one of `message` (text, only within the 24-hour window) or `template`."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"message": "Hi Ana, I am Bob. How can I help?"}]}
    )

    message: str | None = Field(default=None, min_length=1, max_length=4096)
    template: TemplateIn | None = None

    @model_validator(mode="after")
    def _one(self) -> SendIn:
        if (self.message is None) == (self.template is None):
            raise ValueError("send exactly one of message or template")
        if self.message is not None and not self.message.strip():
            raise ValueError("message must not be blank")
        return self


class CloseIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "solved"}]})

    reason: str = Field(default="closed_by_agent", min_length=1, max_length=100)


class ResumeIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"node_id": None}]})

    node_id: str | None = Field(default=None, min_length=1, max_length=200)


class RestartIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"flow_id": "0b1c3f0e-5d2a-4c1e-9a0f-1e2d3c4b5a69"}]}
    )

    flow_id: uuid.UUID | None = Field(
        default=None, description="a published flow of the same chatbot (default: its main flow)"
    )


class CommandOut(BaseModel):
    command_id: uuid.UUID
    type: str
    conversation_id: str
    conversation_key: str
    status: Literal["accepted"] = "accepted"
