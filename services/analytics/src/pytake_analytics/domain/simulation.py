"""The console's simulator: a user's input through the engine's own `decide`/`evolve`, in memory.

What runs is what the executor runs (`pytake_shared.engine`), on a flow the caller's
organization owns (a draft as edited, or a published version), with nothing published and
nothing sent: the messages the flow queues are returned, not handed to the sender. The
conversation's state goes back to the caller with a simulated clock, and comes back with the
next input; the engine only ever looks flows up through the `Flows` given here, which knows
the caller's flows alone, so a state edited by hand reaches nothing else.

Time is simulated: an input happens at the clock (never before the wall clock), and
fast-forwarding a timer moves the clock to when it is due. A flow's HTTP calls come back from
outside as results (`Result`), made or refused by the caller of `apply`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from pytake_shared.contracts.conversation_events import (
    ApiCallRequested,
    Event,
    MessageQueued,
    NodeEntered,
    WebhookRequested,
)
from pytake_shared.engine.commands import (
    Command,
    CompleteApiCall,
    FireTimer,
    HandleInbound,
    RecordWebhookResult,
)
from pytake_shared.engine.engine import Flows, decide
from pytake_shared.engine.flow import Flow
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.summary import summarize

PHONE_NUMBER_ID = "simulator"
STATE_VERSION = 1
# One input, then at most this many results of the calls it led to, each a `decide` of its own.
MAX_ROUNDS = 10

InputKind = Literal["start", "text", "button", "list", "timer"]


class BadInput(ValueError):
    """The input cannot be run (an unknown timer, a state that is not one of ours)."""


@dataclass(frozen=True)
class Input:
    kind: InputKind
    text: str | None = None
    reply_id: str | None = None
    timer_id: str | None = None


@dataclass(frozen=True)
class Session:
    """What the caller keeps between inputs: the engine's state and the simulated clock."""

    state: ConversationState
    clock: int

    def dump(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "clock": self.clock,
            "conversation": self.state.model_dump(mode="json"),
        }

    @classmethod
    def load(cls, data: Any, key: str) -> Session:
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            raise BadInput("state is not a simulator state (start again)")
        clock = data.get("clock")
        if not isinstance(clock, int) or isinstance(clock, bool):
            raise BadInput("state.clock must be an integer")
        try:
            state = ConversationState.model_validate(data.get("conversation"))
        except ValidationError as exc:
            raise BadInput(f"state.conversation is not a conversation state: {exc}") from None
        if state.key != key:
            raise BadInput("state belongs to another simulated flow (start again)")
        return cls(state, clock)


@dataclass(frozen=True)
class Result:
    """The outcome of one HTTP call a flow asked for (made, refused or not made at all)."""

    status: int | None
    body: Any
    error: str | None
    made: bool


@dataclass
class Run:
    """What one input did: every event in order and the state after them."""

    session: Session
    events: list[Event] = field(default_factory=list)
    calls: list[tuple[ApiCallRequested | WebhookRequested, Result]] = field(default_factory=list)

    @property
    def messages(self) -> list[MessageQueued]:
        return [e for e in self.events if isinstance(e, MessageQueued)]

    @property
    def steps(self) -> list[NodeEntered]:
        return [e for e in self.events if isinstance(e, NodeEntered)]

    def asked(self) -> list[ApiCallRequested | WebhookRequested]:
        """The calls asked for and not answered yet, in order."""
        done = {id(req) for req, _ in self.calls}
        return [
            e
            for e in self.events
            if isinstance(e, ApiCallRequested | WebhookRequested) and id(e) not in done
        ]


def key_of(flow_id: str) -> str:
    return f"{PHONE_NUMBER_ID}:{flow_id}"


def flows_for(flow: Flow, siblings: Mapping[str, Flow], max_messages: int = 10) -> Flows:
    """The engine's lookup for a simulation: `flow` whatever version is asked (it is the one
    simulated), and the chatbot's other flows (published) as `jump` targets; nothing else."""

    def by_version(flow_id: str, version: int) -> Flow | None:
        return flow if flow_id == flow.id else siblings.get(flow_id)

    return Flows(
        main_flow=lambda _chatbot: flow,
        by_version=by_version,
        by_id=lambda _chatbot, flow_id: by_version(flow_id, 0),
        max_messages=max_messages,
    )


def begin(
    session: Session | None,
    key: str,
    inp: Input,
    now: int,
    command_id: str,
    *,
    organization_id: str,
    chatbot_id: str,
    contact: Mapping[str, str],
) -> tuple[Session, Command]:
    """The session this input runs in and the command it is. `start` (or any input after the
    conversation closed, or with no session) starts the flow afresh."""
    if session is None or inp.kind == "start":
        session = Session(ConversationState(key=key), now)
    clock = max(session.clock, now)
    if inp.kind == "timer":
        timer = session.state.timers.get(inp.timer_id or "")
        if timer is None:
            raise BadInput(f"no pending timer {inp.timer_id!r}")
        clock = max(session.clock, timer.fire_at)
        return Session(session.state, clock), FireTimer(command_id, inp.timer_id or "", clock)
    reply = inp.kind in ("button", "list")
    command = HandleInbound(
        command_id=command_id,
        organization_id=organization_id,
        chatbot_id=chatbot_id,
        phone_number_id=PHONE_NUMBER_ID,
        contact=dict(contact),
        message_id=f"sim.{command_id}",
        message_type="interactive" if reply else "text",
        text=inp.text,
        reply_id=inp.reply_id if reply else None,
        at=clock,
        content={"interactive": {"id": inp.reply_id, "title": inp.text}} if reply else None,
    )
    return Session(session.state, clock), command


def apply(run: Run, command: Command, flows: Flows) -> None:
    """`decide` on the run's state, then `evolve` through every event, as the executor does."""
    state = run.session.state
    for event in decide(state, command, flows):
        state = evolve(state, event)
        run.events.append(event)
    run.session = Session(state, run.session.clock)


def answer(
    run: Run, request: ApiCallRequested | WebhookRequested, result: Result, command_id: str
) -> Command:
    """The command that hands a call's outcome back to the engine."""
    run.calls.append((request, result))
    at = run.session.clock
    if isinstance(request, ApiCallRequested):
        return CompleteApiCall(
            command_id, request.request_id, result.status, result.body, result.error, at
        )
    return RecordWebhookResult(
        command_id, request.request_id, request.node_id, result.status, result.error, at
    )


def describe(event: Event) -> dict[str, str]:
    data = event.model_dump(mode="json")
    return {"type": event.type, "summary": summarize(event.type, data)}


def message_view(event: MessageQueued) -> dict[str, Any]:
    """A queued message as the console draws it: its text, its choices, what kind it is."""
    message = event.message
    kind = str(message.get("kind") or "text")
    sections = [s for s in message.get("sections") or [] if isinstance(s, dict)]
    text = message.get("text") or message.get("caption") or ""
    if kind == "template":
        text = text or f"template {message.get('template_name')} ({message.get('language_code')})"
    shown = {"buttons": "interactive", "list": "interactive"}.get(kind, kind)
    if kind == "media":
        shown = str(message.get("media_type") or "media")
    return {
        "node_id": event.node_id,
        "type": shown,
        "text": str(text),
        "buttons": [
            {"id": str(b.get("id", "")), "title": str(b.get("title", ""))}
            for b in message.get("buttons") or []
            if isinstance(b, dict)
        ],
        "list": {
            "button": str(message.get("button_text") or ""),
            "sections": [
                {
                    "title": str(s.get("title") or ""),
                    "rows": [
                        {
                            "id": str(r.get("id", "")),
                            "title": str(r.get("title", "")),
                            "description": str(r.get("description") or ""),
                        }
                        for r in s.get("rows") or []
                        if isinstance(r, dict)
                    ],
                }
                for s in sections
            ],
        }
        if kind == "list"
        else None,
        "body": message,
    }


def timers_view(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "timer_id": timer_id,
            "kind": timer.kind,
            "node_id": timer.node_id,
            "in_seconds": max(0, timer.fire_at - session.clock),
        }
        for timer_id, timer in sorted(session.state.timers.items(), key=lambda t: t[1].fire_at)
    ]
