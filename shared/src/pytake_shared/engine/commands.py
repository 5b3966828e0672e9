"""What `decide` decides on: commands, imperative facts from outside the conversation.

Each carries the `command_id` it is deduplicated by and `at`, the time it happened (epoch
seconds): the engine has no clock, so every time it reasons about comes from here. The router
sends `HandleInbound`, `HandleStatus` and `NotifyRateLimit`; the I/O side sends `FireTimer` for
the timers and `CompleteApiCall` / `RecordWebhookResult` for the calls the engine asked for
through events; the management API sends the agent's `SendAgentMessage`, `Close`, `Resume`,
`Assign` and `RestartFlow`. Each is named as the record it comes from on
`conversation.commands.v1` (`pytake_shared.contracts.commands`), with the engine's view of it:
the record's payload, its id and its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class HandleInbound:
    """A message from the contact. `reply_id` is the id of the tapped button or list row."""

    type: ClassVar[str] = "handle_inbound"
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
    content: dict[str, Any] | None = None


@dataclass(frozen=True)
class FireTimer:
    """A timer the engine scheduled (`TimerScheduled`) is due. Unknown or cancelled ids are
    ignored, so firing twice, late or after a cancel is harmless."""

    type: ClassVar[str] = "fire_timer"
    command_id: str
    timer_id: str
    at: int


@dataclass(frozen=True)
class CompleteApiCall:
    """The outcome of an `ApiCallRequested`: the HTTP status and body (JSON already parsed,
    or text), or `error` when there was no HTTP answer (timeout, refused, DNS...)."""

    type: ClassVar[str] = "complete_api_call"
    command_id: str
    request_id: str
    status: int | None
    body: Any
    error: str | None
    at: int


@dataclass(frozen=True)
class RecordWebhookResult:
    """How a fire-and-forget `WebhookRequested` went (the flow did not wait for it): recorded
    so a refused or failing webhook shows in the conversation."""

    type: ClassVar[str] = "record_webhook_result"
    command_id: str
    request_id: str
    node_id: str
    status: int | None
    error: str | None
    at: int


@dataclass(frozen=True)
class HandleStatus:
    """A delivery status Meta reported for one of the conversation's sends."""

    type: ClassVar[str] = "handle_status"
    command_id: str
    status: str  # sent, delivered, read, failed
    error_code: int | None
    at: int
    message_id: str | None = None
    outbound_id: str | None = None


@dataclass(frozen=True)
class SendAgentMessage:
    """A human agent's message, queued in order with the bot's: a text, or an approved
    template (`{"name", "language_code", "components"}`), which also goes out after the
    24-hour window closed."""

    type: ClassVar[str] = "send_agent_message"
    command_id: str
    text: str
    at: int
    agent_id: str | None = None
    template: dict[str, Any] | None = None


@dataclass(frozen=True)
class Close:
    """Close the conversation (an agent or an admin ends it)."""

    type: ClassVar[str] = "close"
    command_id: str
    at: int
    reason: str = "closed_by_agent"


@dataclass(frozen=True)
class Resume:
    """Hand a conversation in handoff back to the bot: at `node_id` when given, else after
    the handoff node (or back at the node it was handed off from)."""

    type: ClassVar[str] = "resume"
    command_id: str
    at: int
    node_id: str | None = None


@dataclass(frozen=True)
class Assign:
    """An agent takes the conversation (`agent_id`), or it is let go (None); with `takeover`
    a bot that is talking to the contact is paused (a handoff)."""

    type: ClassVar[str] = "assign"
    command_id: str
    at: int
    agent_id: str | None = None
    takeover: bool = True
    by: str | None = None


@dataclass(frozen=True)
class RestartFlow:
    """Close whatever runs and start the chatbot's main flow (or `flow_id`) afresh."""

    type: ClassVar[str] = "restart_flow"
    command_id: str
    at: int
    flow_id: str | None = None


@dataclass(frozen=True)
class NotifyRateLimit:
    """The contact went over the per-minute limit: their excess message is recorded, not run,
    and they are told (once per window) to slow down."""

    type: ClassVar[str] = "notify_rate_limit"
    command_id: str
    text: str
    at: int
    message_id: str | None = None


Command = (
    HandleInbound
    | FireTimer
    | CompleteApiCall
    | RecordWebhookResult
    | HandleStatus
    | SendAgentMessage
    | Close
    | Resume
    | Assign
    | RestartFlow
    | NotifyRateLimit
)
