"""Conversation state and `evolve`, the fold of events into it (pure, total, replayable).

`evolve` accepts every event in every state and never raises: replaying a conversation's
events from the start rebuilds exactly the state `decide` saw. Pending timers and the pending
API call live here, so a late `fire_timer` or `complete_api_call` can be told from a current
one; counters (messages, timers, requests) make the ids of the next effects deterministic.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pytake_shared.contracts.conversation_events import (
    ApiCallCompleted,
    ApiCallRequested,
    ConversationAssigned,
    ConversationClosed,
    ConversationStarted,
    Event,
    FlowSwitched,
    HandoffStarted,
    InboundReceived,
    InputCaptured,
    InputRejected,
    MessageQueued,
    NodeEntered,
    Resumed,
    TimerCancelled,
    TimerElapsed,
    TimerKind,
    TimerScheduled,
    VariableSet,
    WaitingForInput,
    WaitingOn,
    WebhookRequested,
    WindowClosedAction,
)
from pytake_shared.contracts.media import media_id_of

# Meta's customer-service window and the session TTL both run 24 hours from the last inbound.
WINDOW_SECONDS = 24 * 3600

# Timers that belong to a wait for the contact's answer: any answer makes them moot.
INPUT_TIMERS = ("question_timeout", "inactivity", "inactivity_warning")

Status = Literal["new", "active", "waiting", "handoff", "closed"]


class PendingTimer(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: TimerKind
    fire_at: int
    node_id: str | None = None


class PendingCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str
    node_id: str


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
    waiting_on: WaitingOn | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    path: list[str] = Field(default_factory=list)
    attempts: int = 0  # invalid answers, or API calls made, at the current node
    last_input: str | None = None
    last_inbound_at: int | None = None
    # The contact's latest media (`{{last_media.*}}`): our media id, type, caption, mime, name.
    last_media: dict[str, Any] | None = None
    window_open_until: int | None = None
    window_action_taken: bool = False  # the window action ran since the last inbound
    started_at: int | None = None
    closed_at: int | None = None
    messages_queued: int = 0
    timers_scheduled: int = 0
    requests_made: int = 0
    timers: dict[str, PendingTimer] = Field(default_factory=dict)
    pending_call: PendingCall | None = None
    close_reason: str | None = None
    assigned_to: str | None = None  # the agent who took the conversation

    @property
    def is_open(self) -> bool:
        return self.status not in ("new", "closed")


def evolve(state: ConversationState, event: Event) -> ConversationState:
    change = _change(state, event)
    return _replace(state, change) if change else state


def _replace(state: ConversationState, change: dict[str, Any]) -> ConversationState:
    """`state.model_copy(update=change)` at half the cost (it runs ~15 times per command).
    Like `model_copy`, it does not validate: every value comes from a validated event."""
    new = object.__new__(ConversationState)
    object.__setattr__(new, "__dict__", {**state.__dict__, **change})
    fields_set = state.__pydantic_fields_set__ | change.keys()
    object.__setattr__(new, "__pydantic_fields_set__", fields_set)
    object.__setattr__(new, "__pydantic_extra__", None)
    object.__setattr__(new, "__pydantic_private__", None)
    return new


def _change(state: ConversationState, event: Event) -> dict[str, Any] | None:
    match event:
        case ConversationStarted():
            fresh = ConversationState(
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
                last_media=state.last_media,
                window_open_until=state.window_open_until,
                window_action_taken=state.window_action_taken,
            )
            return dict(fresh)
        case InboundReceived():
            media = _media_of(state, event.content)
            return {
                **({"last_media": media} if media is not None else {}),
                "last_inbound_at": event.at,
                "last_input": event.text,
                "window_open_until": event.at + WINDOW_SECONDS,
                "window_action_taken": False,
            }
        case NodeEntered():
            return {
                "status": "active",
                "current_node_id": event.node_id,
                "path": [*state.path, event.node_id],
                "waiting_on": None,
                "attempts": 0,
            }
        case MessageQueued():
            return {"messages_queued": state.messages_queued + 1}
        case WaitingForInput():
            return {"status": "waiting", "waiting_on": event.on, "current_node_id": event.node_id}
        case InputCaptured():
            variables = dict(state.variables)
            if event.variable:
                variables[event.variable] = event.value
            return {"variables": variables, "status": "active", "waiting_on": None}
        case InputRejected():
            return {"attempts": event.attempt}
        case VariableSet():
            return {"variables": {**state.variables, event.name: event.value}}
        case FlowSwitched():
            return {
                "flow_id": event.flow_id,
                "flow_version": event.flow_version,
                "flow_name": event.flow_name,
                "variables": {**event.variables, **state.variables},
            }
        case ApiCallRequested():
            return {
                "status": "waiting",
                "waiting_on": "api_call",
                "current_node_id": event.node_id,
                "pending_call": PendingCall(request_id=event.request_id, node_id=event.node_id),
                "requests_made": state.requests_made + 1,
                "attempts": event.attempt,
            }
        case ApiCallCompleted():
            return {"pending_call": None}
        case WebhookRequested():
            return {"requests_made": state.requests_made + 1}
        case TimerScheduled():
            timer = PendingTimer(kind=event.kind, fire_at=event.fire_at, node_id=event.node_id)
            return {
                "timers": {**state.timers, event.timer_id: timer},
                "timers_scheduled": state.timers_scheduled + 1,
            }
        case TimerCancelled() | TimerElapsed():
            return {"timers": {k: v for k, v in state.timers.items() if k != event.timer_id}}
        case HandoffStarted():
            return {
                "status": "handoff",
                "waiting_on": None,
                "pending_call": None,
                "current_node_id": event.node_id or state.current_node_id,
            }
        case Resumed():
            return {"status": "active", "waiting_on": None}
        case ConversationAssigned():
            return {"assigned_to": event.agent_id}
        case WindowClosedAction():
            until = state.window_open_until
            return {
                "window_open_until": event.at if until is None else min(until, event.at),
                "window_action_taken": True,
            }
        case ConversationClosed():
            return {
                "status": "closed",
                "close_reason": event.reason,
                "closed_at": event.at,
                "waiting_on": None,
                "pending_call": None,
                "timers": {},
            }
    # Events that only record (InboundIgnored, NodeFailed, PathChosen, CommandIgnored,
    # WebhookCompleted).
    return None


def _media_of(state: ConversationState, content: dict[str, Any] | None) -> dict[str, Any] | None:
    """What `{{last_media}}` shows of an inbound media (None when the message carries none)."""
    media = (content or {}).get("media")
    number = state.key.partition(":")[0]
    if not isinstance(media, dict) or not isinstance(media.get("id"), str) or not number:
        return None
    return {
        "id": media_id_of(number, media["id"]),
        "type": str(media.get("kind") or ""),
        "caption": media.get("caption") or "",
        "mime_type": media.get("mime_type") or "",
        "filename": media.get("filename") or "",
    }
