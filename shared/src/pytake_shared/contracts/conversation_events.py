"""The records of `conversation.events.v1`: what happened in a conversation, past tense.

The executor writes them (they are also the only input of its `evolve`); analytics projects
them, the effects worker acts on the requests among them, and `pytake replay` folds them
again, all through these models, so a renamed or retyped field fails every reader's tests at
once instead of a dashboard silently. A record is `pytake.conversation.<type>` with the event's
fields as `data`, plus the `conversation_id` it belongs to (`to_data`); `decode` reads one
back, ignoring fields it does not know (newer writers may add some).

Some events are requests to the I/O side: `MessageQueued` (send it), `TimerScheduled` /
`TimerCancelled` (keep or drop a timer, fire `fire_timer` at `fire_at`), `ApiCallRequested`
(call, answer `complete_api_call`) and `WebhookRequested` (call, no answer expected). Every id in
them is deterministic, so a replayed or redelivered command asks for the same effect under the
same id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

TimerKind = Literal[
    "delay", "question_timeout", "inactivity", "inactivity_warning", "session", "api_retry"
]
WaitingOn = Literal["input", "api_call", "delay", "customer"]


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
    """`content` is what the message carries besides text, as ingress read it (`media`,
    `location`, `contacts`, `interactive`, `button`, `reaction`, `order`, `context`), for the
    history; the flow itself reads `text` and `reply_id`."""

    type: Literal["inbound_received"] = "inbound_received"
    message_id: str | None
    message_type: str
    text: str | None
    at: int
    reply_id: str | None = None
    content: dict[str, Any] | None = None


class InboundIgnored(_Event):
    """Recorded, not run through the flow: `handoff` (an agent answers), `waiting_delay`,
    `waiting_api_call` (the flow is busy), `rate_limited`."""

    type: Literal["inbound_ignored"] = "inbound_ignored"
    message_id: str | None
    reason: str


class NodeEntered(_Event):
    type: Literal["node_entered"] = "node_entered"
    node_id: str
    node_type: str


class NodeFailed(_Event):
    """A node could not do its work (a bad expression, a missing jump target); recorded."""

    type: Literal["node_failed"] = "node_failed"
    node_id: str
    reason: str


class MessageQueued(_Event):
    type: Literal["message_queued"] = "message_queued"
    outbound_id: str
    node_id: str | None
    message: dict[str, Any]  # a `pytake_shared.contracts.OutboundMessage`
    author: Literal["bot", "agent"] = "bot"


class MessageHeldBack(_Event):
    """A bot message not sent: one command already queued as many as it may (`limit`)."""

    type: Literal["message_held_back"] = "message_held_back"
    node_id: str | None
    message: dict[str, Any]
    reason: str
    limit: int


class WaitingForInput(_Event):
    """The run stopped until something comes: the contact's answer (`input`), an API call's
    result, a delay's timer, or the contact reopening the 24-hour window (`customer`)."""

    type: Literal["waiting_for_input"] = "waiting_for_input"
    node_id: str
    on: WaitingOn = "input"


class InputCaptured(_Event):
    type: Literal["input_captured"] = "input_captured"
    node_id: str
    variable: str | None
    value: Any


class InputRejected(_Event):
    type: Literal["input_rejected"] = "input_rejected"
    node_id: str
    attempt: int
    reason: str  # required, number, email, phone, options, date
    text: str | None


class VariableSet(_Event):
    type: Literal["variable_set"] = "variable_set"
    node_id: str
    name: str
    value: Any


class PathChosen(_Event):
    type: Literal["path_chosen"] = "path_chosen"
    node_id: str
    path_id: str


class FlowSwitched(_Event):
    """A `jump` to another flow of the chatbot: the conversation now runs that version."""

    type: Literal["flow_switched"] = "flow_switched"
    node_id: str
    flow_id: str
    flow_version: int
    flow_name: str
    variables: dict[str, Any] = Field(default_factory=dict)


class ApiCallRequested(_Event):
    type: Literal["api_call_requested"] = "api_call_requested"
    request_id: str
    node_id: str
    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    timeout: int  # seconds, 1..30
    attempt: int = 1


class ApiCallCompleted(_Event):
    type: Literal["api_call_completed"] = "api_call_completed"
    request_id: str
    node_id: str
    status: int | None
    body: Any
    error: str | None
    outcome: Literal["success", "error", "retry"]


class WebhookRequested(_Event):
    type: Literal["webhook_requested"] = "webhook_requested"
    request_id: str
    node_id: str
    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


class WebhookCompleted(_Event):
    """A webhook's outcome: its HTTP status, or the error (a refusal of the egress policy
    starts with `refused:`). Nothing in the conversation depends on it."""

    type: Literal["webhook_completed"] = "webhook_completed"
    request_id: str
    node_id: str
    status: int | None
    error: str | None


class TimerScheduled(_Event):
    type: Literal["timer_scheduled"] = "timer_scheduled"
    timer_id: str
    kind: TimerKind
    fire_at: int  # epoch seconds
    node_id: str | None = None


class TimerCancelled(_Event):
    type: Literal["timer_cancelled"] = "timer_cancelled"
    timer_id: str
    kind: TimerKind


class TimerElapsed(_Event):
    type: Literal["timer_elapsed"] = "timer_elapsed"
    timer_id: str
    kind: TimerKind
    at: int


class HandoffStarted(_Event):
    type: Literal["handoff_started"] = "handoff_started"
    node_id: str | None
    reason: str  # node, api_error, inactivity, window_closed
    priority: str = "normal"
    context: str = ""
    at: int


class ConversationAssigned(_Event):
    """An agent took the conversation (`agent_id`), or it was let go (None), by `by`."""

    type: Literal["conversation_assigned"] = "conversation_assigned"
    agent_id: str | None
    by: str | None = None
    at: int


class Resumed(_Event):
    type: Literal["resumed"] = "resumed"
    node_id: str | None
    at: int


class WindowClosedAction(_Event):
    """A free-form send outside the 24-hour window (or refused by Meta with 131047) was not
    sent; `action` is what was done instead."""

    type: Literal["window_closed_action"] = "window_closed_action"
    node_id: str | None
    action: Literal["send_template", "transfer", "wait_customer"]
    message: dict[str, Any] | None
    at: int


class CommandIgnored(_Event):
    type: Literal["command_ignored"] = "command_ignored"
    command: str
    reason: str


# Close reasons where the flow itself ended the conversation (its last node, a question or the
# inactivity timer running out, Meta's 24-hour window): the messages it queued on the way out go.
FLOW_ENDS = frozenset({"completed", "timeout", "inactivity", "expired"})


class ConversationClosed(_Event):
    type: Literal["conversation_closed"] = "conversation_closed"
    reason: str
    at: int


Event = Annotated[
    ConversationStarted
    | InboundReceived
    | InboundIgnored
    | NodeEntered
    | NodeFailed
    | MessageQueued
    | MessageHeldBack
    | WaitingForInput
    | InputCaptured
    | InputRejected
    | VariableSet
    | PathChosen
    | FlowSwitched
    | ApiCallRequested
    | ApiCallCompleted
    | WebhookRequested
    | WebhookCompleted
    | TimerScheduled
    | TimerCancelled
    | TimerElapsed
    | HandoffStarted
    | ConversationAssigned
    | Resumed
    | WindowClosedAction
    | CommandIgnored
    | ConversationClosed,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
# Every event type of this version of the contract (without the prefix).
TYPES = frozenset(model.model_fields["type"].default for model in get_args(get_args(Event)[0]))

PREFIX = "pytake.conversation."  # of every event's envelope type on the topic


def event_type(event: Event) -> str:
    """The envelope type an event is published under."""
    return PREFIX + event.type


def to_data(event: Event, conversation_id: str | None) -> dict[str, Any]:
    """An event as its record's `data`: its fields and the conversation it belongs to."""
    data: dict[str, Any] = event.model_dump(mode="json")
    data["conversation_id"] = conversation_id
    return data


def is_event(envelope_type: str) -> bool:
    return envelope_type.startswith(PREFIX)


def decode(envelope_type: str, data: dict[str, Any]) -> Event:
    """The event a record carries; `pydantic.ValidationError` when it is not a valid one (an
    unknown type included: a reader may check `TYPES` first to skip what is newer than it)."""
    return EVENT_ADAPTER.validate_python({**data, "type": envelope_type.removeprefix(PREFIX)})


# The router's records on the topic: an inbound message that reached no conversation's engine
# (not part of `Event`: `evolve` never sees them; history, trace and triage read them).
UNROUTED = PREFIX + "unrouted"
RATE_LIMITED = PREFIX + "rate_limited"


class Unrouted(_Event):
    """No active chatbot answers on the number (`reason`: unknown_number, no_chatbot, ...)."""

    reason: str
    phone_number_id: str
    message: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None


class RateLimited(_Event):
    """The contact went over the per-minute limit: the message is recorded, not run;
    `notice` is set on the first one of the window (the contact is told once)."""

    phone_number_id: str
    chatbot_id: str
    limit_per_minute: int
    notice: bool
    message: dict[str, Any]
    contact: dict[str, Any]


def decode_router(envelope_type: str, data: dict[str, Any]) -> Unrouted | RateLimited:
    """One of the router's records; `ValueError` for any other type."""
    if envelope_type == UNROUTED:
        return Unrouted.model_validate(data)
    if envelope_type == RATE_LIMITED:
        return RateLimited.model_validate(data)
    raise ValueError(f"not a router record: {envelope_type}")
