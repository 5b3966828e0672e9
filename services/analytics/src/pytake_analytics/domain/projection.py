"""The conversation projection as a pure fold: executor events in, rows out (no I/O, no clock).

`start` opens a `Conversation` from `conversation_started`; `apply` folds any other event into
it and says which history rows it adds (a message, a node visit, a queued delivery). Events are
read through the topic's contract (`pytake_shared.contracts.conversation_events`), the models
the executor writes them with; a type newer than that contract only counts as activity. Times
come from the events (`at`, epoch seconds) or, where an event has none, from its envelope, so
folding the same records again gives the same rows.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from pytake_shared.contracts import conversation_events as ev

Status = Literal["active", "handoff", "closed"]
EVENT_PREFIX = ev.PREFIX


class Unusable(ValueError):
    """An event the projection cannot fold (missing or malformed fields): skipped, counted."""


@dataclass(frozen=True)
class Fact:
    """One executor event as the projection reads it."""

    event_id: str
    type: str  # without the `pytake.conversation.` prefix
    data: dict[str, Any]
    time: datetime  # the envelope's
    key: str
    organization_id: str | None
    position: int  # the record's offset: orders one key's history

    @property
    def conversation_id(self) -> str | None:
        """The conversation the executor stamped the event with (beside the event's fields)."""
        value = self.data.get("conversation_id")
        return value if isinstance(value, str) and value else None

    @functools.cached_property
    def event(self) -> ev.Event | None:
        """The event, decoded by the topic's contract; None for a type newer than it."""
        if self.type not in ev.TYPES:
            return None
        try:
            return ev.decode(self.type, self.data)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:3])
            raise Unusable(f"{self.type} does not match its contract ({fields})") from exc

    def at(self) -> datetime:
        """The event's own time when it has one, else the envelope's."""
        value = getattr(self.event, "at", None)
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                return self.time
        return self.time


@dataclass(frozen=True)
class Conversation:
    id: str
    organization_id: uuid.UUID
    key: str
    phone_number_id: str
    contact_id: str
    contact: dict[str, Any]
    chatbot_id: str | None
    flow_id: str | None
    flow_version: int | None
    flow_name: str | None
    current_flow_id: str | None
    current_flow_version: int | None
    status: Status
    started_at: datetime
    last_activity_at: datetime
    first_inbound_at: datetime | None = None
    last_inbound_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    completed: bool = False
    had_handoff: bool = False
    messages_in: int = 0
    messages_out: int = 0
    first_response_ms: int | None = None
    current_node_id: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)
    assigned_to: str | None = None
    assigned_at: datetime | None = None
    handoff_at: datetime | None = None  # when it started waiting for a human (this time)
    handoff_priority: str | None = None
    handoff_reason: str | None = None
    handoff_context: str | None = None


@dataclass(frozen=True)
class Message:
    id: str
    organization_id: uuid.UUID
    conversation_id: str
    key: str
    position: int
    direction: Literal["in", "out"]
    author: Literal["contact", "bot", "agent"]
    kind: str
    text: str | None
    body: dict[str, Any]
    at: datetime
    outbound_id: str | None = None
    message_id: str | None = None
    node_id: str | None = None
    flow_id: str | None = None
    flow_version: int | None = None


@dataclass(frozen=True)
class Visit:
    conversation_id: str
    organization_id: uuid.UUID
    flow_id: str
    flow_version: int
    node_id: str
    at: datetime


@dataclass(frozen=True)
class Queued:
    outbound_id: str
    organization_id: uuid.UUID
    conversation_id: str
    key: str
    flow_id: str | None
    flow_version: int | None
    node_id: str | None
    at: datetime


@dataclass
class Outcome:
    conversation: Conversation
    messages: list[Message] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    queued: list[Queued] = field(default_factory=list)


def organization(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError) as exc:
        raise Unusable(f"organization_id {value!r} is not a UUID") from exc


def _int(value: Any) -> int | None:
    """A version number as stored (PostgreSQL int), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
        return value
    return None


def start(fact: Fact) -> Conversation:
    """A conversation from its `conversation_started` event."""
    e = fact.event
    if not isinstance(e, ev.ConversationStarted):
        raise Unusable(f"{fact.type} cannot open a conversation")
    conversation_id = fact.conversation_id or e.conversation_id
    if not conversation_id or not e.phone_number_id:
        raise Unusable("conversation_started without conversation_id or phone_number_id")
    contact_id = str(e.contact.get("id") or fact.key.partition(":")[2] or "")
    if not contact_id:
        raise Unusable("conversation_started without a contact id")
    at = fact.at()
    return Conversation(
        id=conversation_id,
        organization_id=organization(e.organization_id or fact.organization_id),
        key=fact.key,
        phone_number_id=e.phone_number_id,
        contact_id=contact_id,
        contact=e.contact,
        chatbot_id=e.chatbot_id or None,
        flow_id=e.flow_id or None,
        flow_version=_int(e.flow_version),
        flow_name=e.flow_name,
        current_flow_id=e.flow_id or None,
        current_flow_version=_int(e.flow_version),
        status="active",
        started_at=at,
        last_activity_at=max(at, fact.time),
        variables=dict(e.variables),
    )


def _message_text(message: dict[str, Any]) -> str | None:
    for name in ("text", "caption", "template_name", "emoji"):
        value = message.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def apply(conv: Conversation, fact: Fact) -> Outcome:
    """Fold one event (not `conversation_started`) into its conversation."""
    at = fact.at()
    change: dict[str, Any] = {"last_activity_at": max(conv.last_activity_at, at, fact.time)}
    out = Outcome(conv)
    e = fact.event
    if isinstance(e, ev.InboundReceived):
        change["messages_in"] = conv.messages_in + 1
        change["first_inbound_at"] = conv.first_inbound_at or at
        change["last_inbound_at"] = max(conv.last_inbound_at or at, at)
        out.messages.append(
            Message(
                id=fact.event_id,
                organization_id=conv.organization_id,
                conversation_id=conv.id,
                key=conv.key,
                position=fact.position,
                direction="in",
                author="contact",
                kind=e.message_type or "unknown",
                text=e.text,
                body=_inbound_body(e),
                at=at,
                message_id=e.message_id,
                node_id=conv.current_node_id,
                flow_id=conv.current_flow_id,
                flow_version=conv.current_flow_version,
            )
        )
    elif isinstance(e, ev.MessageQueued):
        if not e.outbound_id:
            raise Unusable("message_queued without outbound_id")
        change["messages_out"] = conv.messages_out + 1
        if conv.first_response_ms is None and conv.first_inbound_at is not None:
            waited = (fact.time - conv.first_inbound_at).total_seconds() * 1000
            change["first_response_ms"] = max(0, round(waited))
        out.messages.append(
            Message(
                id=fact.event_id,
                organization_id=conv.organization_id,
                conversation_id=conv.id,
                key=conv.key,
                position=fact.position,
                direction="out",
                author=e.author,
                kind=str(e.message.get("kind") or "unknown"),
                text=_message_text(e.message),
                body=e.message,
                at=fact.time,
                outbound_id=e.outbound_id,
                node_id=e.node_id,
                flow_id=conv.current_flow_id,
                flow_version=conv.current_flow_version,
            )
        )
        out.queued.append(
            Queued(
                outbound_id=e.outbound_id,
                organization_id=conv.organization_id,
                conversation_id=conv.id,
                key=conv.key,
                flow_id=conv.current_flow_id,
                flow_version=conv.current_flow_version,
                node_id=e.node_id,
                at=fact.time,
            )
        )
    elif isinstance(e, ev.NodeEntered):
        if not e.node_id:
            raise Unusable("node_entered without node_id")
        change["current_node_id"] = e.node_id
        change["path"] = [*conv.path, e.node_id]
        if conv.status != "closed":
            change["status"] = "active"
        if conv.current_flow_id is not None and conv.current_flow_version is not None:
            out.visits.append(
                Visit(
                    conv.id,
                    conv.organization_id,
                    conv.current_flow_id,
                    conv.current_flow_version,
                    e.node_id,
                    fact.time,
                )
            )
    elif isinstance(e, ev.WaitingForInput | ev.ApiCallRequested):
        change["current_node_id"] = e.node_id or conv.current_node_id
    elif isinstance(e, ev.InputCaptured):
        if e.variable:
            change["variables"] = {**conv.variables, e.variable: e.value}
    elif isinstance(e, ev.VariableSet):
        if e.name:
            change["variables"] = {**conv.variables, e.name: e.value}
    elif isinstance(e, ev.FlowSwitched):
        change["current_flow_id"] = e.flow_id or None
        change["current_flow_version"] = _int(e.flow_version)
        change["variables"] = {**e.variables, **conv.variables}
    elif isinstance(e, ev.HandoffStarted):
        change["status"] = "handoff"
        change["had_handoff"] = True
        change["current_node_id"] = e.node_id or conv.current_node_id
        change["handoff_at"] = at
        change["handoff_priority"] = e.priority or "normal"
        change["handoff_reason"] = e.reason
        change["handoff_context"] = e.context or None
    elif isinstance(e, ev.Resumed):
        if conv.status == "handoff":
            change["status"] = "active"
            change["handoff_at"] = None
    elif isinstance(e, ev.ConversationAssigned):
        change["assigned_to"] = e.agent_id
        change["assigned_at"] = at if e.agent_id else None
    elif isinstance(e, ev.ConversationClosed):
        reason = e.reason or "closed"
        change.update(status="closed", closed_at=at, close_reason=reason)
        change["completed"] = reason == "completed"
    out.conversation = dataclasses.replace(conv, **change)
    return out


def _inbound_body(event: ev.InboundReceived) -> dict[str, Any]:
    """What the history shows of a contact's message besides its text: the tapped reply's id
    and the message's content as ingress read it (media, location, contacts, ...)."""
    body = dict(event.content or {})
    if event.reply_id:
        body["reply_id"] = event.reply_id
    return body
