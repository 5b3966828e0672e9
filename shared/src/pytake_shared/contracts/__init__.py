"""Event and command type names, and the payload models crossing service boundaries.

Type names are never renamed (`pytake.<aggregate>.<event>`); adding an optional field is free,
any other change bumps the envelope `version`. Payloads that one service writes and another
reads are pydantic models here, so both sides validate the same shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# wa.inbound.v1 (ingress)
WA_MESSAGE_RECEIVED = "pytake.wa.message_received"
WA_STATUS_RECEIVED = "pytake.wa.status_received"
WA_ERROR_RECEIVED = "pytake.wa.error_received"
WA_FIELD_RECEIVED = "pytake.wa.field_received"
WA_PAYLOAD_UNRECOGNIZED = "pytake.wa.payload_unrecognized"

# conversation.commands.v1 (router, analytics, executor timers)
CMD_HANDLE_INBOUND = "pytake.conversation.handle_inbound"
CMD_HANDLE_STATUS = "pytake.conversation.handle_status"
CMD_TIMER_FIRED = "pytake.conversation.timer_fired"  # executor's timer poller
CMD_API_CALL_RESULT = "pytake.conversation.api_call_result"  # executor's effects worker
CMD_WEBHOOK_RESULT = "pytake.conversation.webhook_result"  # executor's effects worker
CMD_AGENT_MESSAGE = "pytake.conversation.agent_message"  # management API
CMD_CLOSE = "pytake.conversation.close"  # management API
CMD_RESUME = "pytake.conversation.resume"  # management API, after a handoff
CMD_RESTART_FLOW = "pytake.conversation.restart_flow"  # management API
CMD_RATE_LIMIT_NOTICE = "pytake.conversation.rate_limit_notice"  # router, once per window
CMD_ASSIGN = "pytake.conversation.assign"  # management API: an agent takes it, or lets it go

# conversation.events.v1 (executor; router for unrouted/rate-limited records)
EVT_UNROUTED = "pytake.conversation.unrouted"
EVT_RATE_LIMITED = "pytake.conversation.rate_limited"

# wa.outbound.v1 (executor)
OUT_SEND = "pytake.outbound.send"
OUT_CANCEL = "pytake.outbound.cancel"  # the conversation closed: drop its unsent bot messages

# wa.delivery.v1 (sender)
DELIVERY_ACCEPTED = "pytake.delivery.accepted"
DELIVERY_RETRYING = "pytake.delivery.retrying"
DELIVERY_FAILED = "pytake.delivery.failed"
DELIVERY_INDEFINITE = "pytake.delivery.indefinite"  # outcome unknown, not sent again
DELIVERY_CANCELLED = "pytake.delivery.cancelled"  # never sent: its conversation had closed


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Contact(_Model):
    """Who the conversation is with: a phone (`wa_id`) and/or a business-scoped user id."""

    id: str
    wa_id: str | None = None
    user_id: str | None = None
    name: str | None = None


class HandleInbound(_Model):
    """Router → executor: a deduplicated, routed inbound message."""

    organization_id: str
    chatbot_id: str
    phone_number_id: str
    contact: Contact
    message: dict[str, Any]
    received_at: int = 0  # Meta's timestamp, seconds


class RateLimitNotice(_Model):
    """Router → executor: the contact went over the per-minute limit; tell them once."""

    organization_id: str
    chatbot_id: str
    phone_number_id: str
    contact: Contact
    message_id: str | None = None  # the first excess message (recorded, not run)
    text: str
    limit_per_minute: int
    received_at: int = 0


class HandleStatus(_Model):
    """Router → executor/analytics: a delivery status Meta reported."""

    organization_id: str
    phone_number_id: str
    status: dict[str, Any]


class OutboundMessage(_Model):
    """What to send, in Meta-agnostic terms; the sender builds the Graph API body."""

    kind: Literal["text", "media", "buttons", "list", "template", "reaction", "mark_read"]
    text: str | None = None
    preview_url: bool = False
    media_type: str | None = None
    media_id: str | None = None
    media_url: str | None = None
    caption: str | None = None
    filename: str | None = None
    header: str | None = None
    footer: str | None = None
    buttons: list[dict[str, str]] = Field(default_factory=list)
    button_text: str | None = None
    sections: list[dict[str, Any]] = Field(default_factory=list)
    template_name: str | None = None
    language_code: str | None = None
    components: list[dict[str, Any]] = Field(default_factory=list)
    reply_to: str | None = None
    emoji: str | None = None
    message_id: str | None = None
    typing_indicator: bool = False


class SendCommand(_Model):
    """Executor → sender: one message to send exactly once (`outbound_id`)."""

    outbound_id: str
    organization_id: str
    phone_number_id: str
    contact: Contact
    message: OutboundMessage
    conversation_id: str | None = None
    author: Literal["bot", "agent"] = "bot"


class CancelSends(_Model):
    """Executor → sender: the conversation closed; its bot messages not sent yet never are."""

    organization_id: str
    conversation_id: str
    reason: str = "closed"


class AgentTemplate(_Model):
    """An approved WhatsApp template an agent sends (the only thing Meta delivers outside the
    24-hour window)."""

    name: str = Field(min_length=1, max_length=512)
    language_code: str = Field(default="en_US", min_length=1, max_length=20)
    components: list[dict[str, Any]] = Field(default_factory=list)


class AgentMessageCommand(_Model):
    """Management API → executor: a human agent's message, text or template (one of them)."""

    organization_id: str
    text: str | None = None
    template: AgentTemplate | None = None
    agent_id: str | None = None


class CloseCommand(_Model):
    """Management API → executor: end the conversation."""

    organization_id: str
    reason: str = "closed_by_agent"
    agent_id: str | None = None


class RestartCommand(_Model):
    """Management API → executor: close what runs and start the chatbot's main flow (or
    `flow_id`, a published flow of the same chatbot) afresh."""

    organization_id: str
    flow_id: str | None = None
    agent_id: str | None = None


class AssignCommand(_Model):
    """Management API → executor: give the conversation to an agent (`agent_id`), or to nobody
    (None). `takeover` also pauses the bot (a handoff) when it is talking to the contact."""

    organization_id: str
    agent_id: str | None = None
    takeover: bool = True
    by: str | None = None


class ResumeCommand(_Model):
    """Management API → executor: hand a conversation in handoff back to the bot."""

    organization_id: str
    node_id: str | None = None
    agent_id: str | None = None
