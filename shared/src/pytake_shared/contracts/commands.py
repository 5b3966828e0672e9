"""The records of `conversation.commands.v1`: what a conversation is told to do, imperative.

Keyed by conversation. Writers: the router (`HandleInbound`, `HandleStatus`,
`NotifyRateLimit`), the executor's I/O side (`FireTimer`, `CompleteApiCall`,
`RecordWebhookResult`) and the management API (`SendAgentMessage`, `Close`, `Resume`,
`RestartFlow`, `Assign`). Readers: the executor (every command, through `decode`), analytics
(`HandleStatus`), `pytake replay` and re-runs. A command has one name everywhere: its model
here, its record type (`pytake.conversation.<snake_case name>`) and the executor's domain
command.

Four commands were once named as facts or nouns; records under those names (the topic keeps
90 days) still decode: `command_type` maps them to the current name.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PREFIX = "pytake.conversation."

HANDLE_INBOUND = PREFIX + "handle_inbound"
HANDLE_STATUS = PREFIX + "handle_status"
NOTIFY_RATE_LIMIT = PREFIX + "notify_rate_limit"
FIRE_TIMER = PREFIX + "fire_timer"
COMPLETE_API_CALL = PREFIX + "complete_api_call"
RECORD_WEBHOOK_RESULT = PREFIX + "record_webhook_result"
SEND_AGENT_MESSAGE = PREFIX + "send_agent_message"
CLOSE = PREFIX + "close"
RESUME = PREFIX + "resume"
RESTART_FLOW = PREFIX + "restart_flow"
ASSIGN = PREFIX + "assign"

LEGACY = {
    PREFIX + "timer_fired": FIRE_TIMER,
    PREFIX + "api_call_result": COMPLETE_API_CALL,
    PREFIX + "webhook_result": RECORD_WEBHOOK_RESULT,
    PREFIX + "agent_message": SEND_AGENT_MESSAGE,
    PREFIX + "rate_limit_notice": NOTIFY_RATE_LIMIT,
}


_FORMER = {current: former for former, current in LEGACY.items()}


def command_type(envelope_type: str) -> str:
    """The current name of a command record's type (older records may carry a former one)."""
    return LEGACY.get(envelope_type, envelope_type)


def id_seed(envelope_type: str) -> str:
    """The name a command's deterministic record id is derived from: its former name where it
    had one, so a command derived again after the rename (a redelivered cause) keeps its id
    and is still dropped as a repeat."""
    return _FORMER.get(envelope_type, envelope_type)


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Contact(_Command):
    """Who the conversation is with: a phone (`wa_id`) and/or a business-scoped user id."""

    id: str
    wa_id: str | None = None
    user_id: str | None = None
    name: str | None = None


class HandleInbound(_Command):
    """Router → executor: a deduplicated, routed inbound message."""

    organization_id: str
    chatbot_id: str
    phone_number_id: str
    contact: Contact
    message: dict[str, Any]
    received_at: int = 0  # Meta's timestamp, seconds


class HandleStatus(_Command):
    """Router → executor/analytics: a delivery status Meta reported."""

    organization_id: str
    phone_number_id: str
    status: dict[str, Any]


class NotifyRateLimit(_Command):
    """Router → executor: the contact went over the per-minute limit; tell them once."""

    organization_id: str
    chatbot_id: str
    phone_number_id: str
    contact: Contact
    message_id: str | None = None  # the first excess message (recorded, not run)
    text: str
    limit_per_minute: int
    received_at: int = 0


class FireTimer(_Command):
    """Executor's timer poller → executor: a timer the engine scheduled is due."""

    timer_id: str
    kind: str | None = None  # the timer's kind, for logs and metrics
    at: int | None = None  # when it was due; the record's time if absent


class CompleteApiCall(_Command):
    """Executor's effects worker → executor: the answer to an `ApiCallRequested` (HTTP status
    and body), or `error` when there was no HTTP answer."""

    request_id: str
    status: int | None = None
    body: Any = None
    error: str | None = None
    at: int | None = None


class RecordWebhookResult(_Command):
    """Executor's effects worker → executor: how a fire-and-forget webhook went."""

    request_id: str
    node_id: str
    status: int | None = None
    error: str | None = None
    at: int | None = None


class AgentTemplate(_Command):
    """An approved WhatsApp template an agent sends (the only thing Meta delivers outside the
    24-hour window)."""

    name: str = Field(min_length=1, max_length=512)
    language_code: str = Field(default="en_US", min_length=1, max_length=20)
    components: list[dict[str, Any]] = Field(default_factory=list)


class SendAgentMessage(_Command):
    """Management API → executor: a human agent's message, text or template (one of them)."""

    organization_id: str
    text: str | None = None
    template: AgentTemplate | None = None
    agent_id: str | None = None


class Close(_Command):
    """Management API → executor: end the conversation."""

    organization_id: str
    reason: str = "closed_by_agent"
    agent_id: str | None = None


class RestartFlow(_Command):
    """Management API → executor: close what runs and start the chatbot's main flow (or
    `flow_id`, a published flow of the same chatbot) afresh."""

    organization_id: str
    flow_id: str | None = None
    agent_id: str | None = None


class Assign(_Command):
    """Management API → executor: give the conversation to an agent (`agent_id`), or to nobody
    (None). `takeover` also pauses the bot (a handoff) when it is talking to the contact."""

    organization_id: str
    agent_id: str | None = None
    takeover: bool = True
    by: str | None = None


class Resume(_Command):
    """Management API → executor: hand a conversation in handoff back to the bot."""

    organization_id: str
    node_id: str | None = None
    agent_id: str | None = None


Command = (
    HandleInbound
    | HandleStatus
    | NotifyRateLimit
    | FireTimer
    | CompleteApiCall
    | RecordWebhookResult
    | SendAgentMessage
    | Close
    | RestartFlow
    | Assign
    | Resume
)


MODELS: dict[str, type[Command]] = {
    HANDLE_INBOUND: HandleInbound,
    HANDLE_STATUS: HandleStatus,
    NOTIFY_RATE_LIMIT: NotifyRateLimit,
    FIRE_TIMER: FireTimer,
    COMPLETE_API_CALL: CompleteApiCall,
    RECORD_WEBHOOK_RESULT: RecordWebhookResult,
    SEND_AGENT_MESSAGE: SendAgentMessage,
    CLOSE: Close,
    RESTART_FLOW: RestartFlow,
    ASSIGN: Assign,
    RESUME: Resume,
}
TYPES = frozenset(MODELS)
_TYPE_OF = {model: name for name, model in MODELS.items()}


def type_of(command: Command) -> str:
    """The record type a command is published under."""
    return _TYPE_OF[type(command)]


def decode(envelope_type: str, data: dict[str, Any]) -> Command:
    """The command a record carries; `ValueError` for an unknown type,
    `pydantic.ValidationError` for a bad payload."""
    model = MODELS.get(command_type(envelope_type))
    if model is None:
        raise ValueError(f"unknown command type {envelope_type}")
    return model.model_validate(data)
