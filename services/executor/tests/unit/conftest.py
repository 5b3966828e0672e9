"""Unit-test kit for the engine: a `Chat` that drives one contact's conversation through
`decide` with an injected clock, folds the events, and after every command checks that
replaying the whole history (through JSON) rebuilds exactly the state `decide` saw."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytake_shared.contracts.conversation_events import EVENT_ADAPTER, Event, MessageQueued
from pytake_shared.engine.commands import (
    Assign,
    Close,
    Command,
    CompleteApiCall,
    FireTimer,
    HandleInbound,
    HandleStatus,
    RestartFlow,
    Resume,
    SendAgentMessage,
)
from pytake_shared.engine.engine import decide
from pytake_shared.engine.flow import Flow, load_flow
from pytake_shared.engine.run import Flows
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import deterministic_id

NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"
T0 = 1_700_000_000
FIXTURES = Path(__file__).parent.parent / "fixtures" / "flows"


def fixture_flow(name: str, flow_id: str = "flow-1") -> Flow:
    document = json.loads((FIXTURES / f"{name}.json").read_text())
    return load_flow(flow_id, 1, document["name"], document)


def as_flow(document: dict[str, Any] | Flow, flow_id: str = "flow-1", version: int = 1) -> Flow:
    if isinstance(document, Flow):
        return document
    return load_flow(flow_id, version, document.get("name", "Flow"), document)


class Events(list[Event]):
    """What one command decided, with views tests read often."""

    @property
    def kinds(self) -> list[str]:
        return [e.type for e in self]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [e.message for e in self if isinstance(e, MessageQueued)]

    @property
    def texts(self) -> list[str]:
        return [m.get("text") or "" for m in self.messages]

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self if isinstance(e, kind)]


class Chat:
    def __init__(self, main: Flow | None, *others: Flow, now: int = T0) -> None:
        flows = [f for f in (main, *others) if f is not None]
        self.by_version = {(f.id, f.version): f for f in flows}
        self.main = main
        self.flows = Flows(
            main_flow=lambda bot: self.main,
            by_version=lambda i, v: self.by_version.get((i, v)),
            by_id=lambda bot, i: next((f for f in flows if f.id == i), None),
        )
        self.state = ConversationState(key=KEY)
        self.history: list[Event] = []
        self.now = now
        self.count = itertools.count()
        self.name = "Ada"

    def __call__(self, command: Command) -> Events:
        events = Events(decide(self.state, command, self.flows))
        for event in events:
            self.state = evolve(self.state, event)
        self.history.extend(events)
        replayed = ConversationState(key=KEY)
        for event in self.history:
            replayed = evolve(replayed, EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event)))
        assert replayed == self.state
        return events

    def _id(self) -> str:
        return str(deterministic_id("test.command", next(self.count)))

    def tick(self, seconds: int) -> None:
        self.now += seconds

    def say(self, text: str | None = "hi", *, reply: str | None = None, after: int = 1) -> Events:
        self.now += after
        n = next(self.count)
        return self(
            HandleInbound(
                command_id=str(deterministic_id("test.command", n)),
                organization_id="org-1",
                chatbot_id="bot-1",
                phone_number_id=NUMBER_ID,
                contact={"id": WA_ID, "wa_id": WA_ID, "user_id": None, "name": self.name},
                message_id=f"wamid.{n}",
                message_type="interactive" if reply else "text",
                text=text,
                reply_id=reply,
                at=self.now,
            )
        )

    def timer(self, kind: str) -> str:
        found = [i for i, t in self.state.timers.items() if t.kind == kind]
        assert len(found) == 1, f"pending {kind} timers: {found}"
        return found[0]

    def fire(self, kind: str, *, late: int = 0) -> Events:
        """Fire the pending timer of `kind` at its time (plus `late` seconds)."""
        timer_id = self.timer(kind)
        self.now = max(self.now, self.state.timers[timer_id].fire_at + late)
        return self(FireTimer(command_id=self._id(), timer_id=timer_id, at=self.now))

    def result(
        self,
        status: int | None = 200,
        body: Any = None,
        error: str | None = None,
        *,
        request_id: str | None = None,
        after: int = 1,
    ) -> Events:
        self.now += after
        pending = self.state.pending_call
        request = request_id or (pending.request_id if pending else "none")
        return self(
            CompleteApiCall(
                command_id=self._id(),
                request_id=request,
                status=status,
                body=body,
                error=error,
                at=self.now,
            )
        )

    def agent(self, text: str, *, after: int = 1) -> Events:
        self.now += after
        return self(
            SendAgentMessage(command_id=self._id(), text=text, at=self.now, agent_id="ag-1")
        )

    def close(self, reason: str = "closed_by_agent") -> Events:
        return self(Close(command_id=self._id(), at=self.now, reason=reason))

    def resume(self, node_id: str | None = None) -> Events:
        return self(Resume(command_id=self._id(), at=self.now, node_id=node_id))

    def assign(self, agent_id: str | None, *, takeover: bool = True) -> Events:
        return self(Assign(self._id(), self.now, agent_id=agent_id, takeover=takeover, by="a-1"))

    def restart(self, flow_id: str | None = None) -> Events:
        return self(RestartFlow(command_id=self._id(), at=self.now, flow_id=flow_id))

    def status(self, status: str = "failed", code: int | None = 131047) -> Events:
        return self(
            HandleStatus(command_id=self._id(), status=status, error_code=code, at=self.now)
        )


@pytest.fixture
def chat() -> Callable[..., Chat]:
    """`chat(document, *other_documents)`: a conversation on the first as the main flow;
    the others (`flow-2`, `flow-3`, ... unless they are `Flow`s) are found by id."""

    def make(main: dict[str, Any] | Flow | None, *others: dict[str, Any] | Flow) -> Chat:
        extra = [as_flow(o, f"flow-{i}") for i, o in enumerate(others, start=2)]
        return Chat(as_flow(main) if main is not None else None, *extra)

    return make


@pytest.fixture
def pizza() -> Flow:
    return fixture_flow("pizza_order")


@pytest.fixture
def support() -> Flow:
    return fixture_flow("support_lookup")
