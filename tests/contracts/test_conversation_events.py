"""The contract of `conversation.events.v1`: what the executor writes decodes, unchanged, in
every reader (the analytics projection, `pytake replay`), and the projection folds a whole
real conversation of it without skipping anything.

The events come from the executor's own engine running the example flows (pizza order with a
handoff, a CRM lookup with an API call), published the way its handler publishes them
(`event_type`, `to_data`), so a field renamed on either side fails here."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytake_analytics.domain.projection import Conversation, Fact, apply, start
from pytake_executor.domain.commands import (
    AgentMessage,
    ApiCallResult,
    Assign,
    Close,
    Command,
    Inbound,
    Resume,
)
from pytake_executor.domain.engine import decide
from pytake_executor.domain.flow import Flow, load_flow
from pytake_executor.domain.run import Flows
from pytake_executor.domain.state import ConversationState, evolve
from pytake_shared.contracts import conversation_events as ev
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_tools.conversation import decode_event
from pytake_tools.timeline import Entry

FLOWS = Path(__file__).parents[2] / "services" / "executor" / "tests" / "fixtures" / "flows"
NUMBER, WA_ID = "106540352242922", "5511988887777"
KEY = f"{NUMBER}:{WA_ID}"
ORG = str(uuid.UUID(int=7))


def _flow(name: str) -> Flow:
    document = json.loads((FLOWS / f"{name}.json").read_text())
    return load_flow("flow-1", 1, document["name"], document)


class Executor:
    """The engine as the executor's handler runs it, and its records as it publishes them."""

    def __init__(self, flow: Flow) -> None:
        self.flows = Flows(
            main_flow=lambda bot: flow,
            by_version=lambda i, v: flow,
            by_id=lambda bot, i: flow,
        )
        self.state = ConversationState(key=KEY)
        self.records: list[tuple[ev.Event, Envelope]] = []
        self.now = 1_700_000_000
        self.n = itertools.count()

    def __call__(self, command: Command) -> None:
        for event in decide(self.state, command, self.flows):
            self.state = evolve(self.state, event)
            envelope = Envelope.new(
                ev.event_type(event),
                source="pytake-executor",
                subject=KEY,
                time=datetime.fromtimestamp(self.now, UTC),
                organization_id=self.state.organization_id,
                data=ev.to_data(event, self.state.conversation_id),
            )
            self.records.append((event, envelope))

    def _id(self) -> str:
        self.now += 1
        return str(deterministic_id("contract", next(self.n)))

    def say(self, text: str | None, reply: str | None = None) -> None:
        command_id = self._id()
        self(
            Inbound(
                command_id=command_id,
                organization_id=ORG,
                chatbot_id="bot-1",
                phone_number_id=NUMBER,
                contact={"id": WA_ID, "wa_id": WA_ID, "user_id": None, "name": "Ada"},
                message_id=f"wamid.{command_id}",
                message_type="interactive" if reply else "text",
                text=text,
                reply_id=reply,
                at=self.now,
            )
        )


def _pizza_with_a_handoff() -> Executor:
    run = Executor(_flow("pizza_order"))
    run.say("hi")
    run.say("Talk to us", reply="human")
    run(Assign(run._id(), run.now, agent_id="agent-1", takeover=True, by="agent-1"))
    run(AgentMessage(command_id=run._id(), text="Hello, how can I help?", at=run.now, agent_id="a"))
    run(Resume(command_id=run._id(), at=run.now, node_id=None))
    run.say("Order a pizza", reply="order")
    run.say("Medium")
    run.say("seven")
    run.say("7")
    run.say("hi again")
    run(Close(command_id=run._id(), at=run.now, reason="closed_by_agent"))
    return run


def _support_with_an_api_call() -> Executor:
    run = Executor(_flow("support_lookup"))
    run.say("hi")
    run.say("ada at example")  # rejected: not an e-mail
    run.say("ada@example.com")
    [request] = [e for e, _ in run.records if isinstance(e, ev.ApiCallRequested)]
    run(
        ApiCallResult(
            command_id=run._id(),
            request_id=request.request_id,
            status=200,
            body={"name": "Ada Lovelace", "plan": "Pro"},
            error=None,
            at=run.now,
        )
    )
    run.say("Billing", reply="billing")
    return run


def _as_analytics_reads_it(wire: Envelope, offset: int) -> Fact:
    """A record as the projection handler turns it into a `Fact`."""
    return Fact(
        str(wire.id),
        wire.type.removeprefix(ev.PREFIX),
        wire.data,
        wire.time,
        KEY,
        wire.organization_id,
        offset,
    )


SCENARIOS = {"pizza with a handoff": _pizza_with_a_handoff, "support": _support_with_an_api_call}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_reader_decodes_what_the_executor_writes(scenario: str) -> None:
    run = SCENARIOS[scenario]()
    assert len(run.records) > 10
    for offset, (event, envelope) in enumerate(run.records):
        wire = Envelope.from_bytes(envelope.to_bytes())  # as it crosses the broker
        assert ev.is_event(wire.type) and ev.decode(wire.type, wire.data) == event
        fact = _as_analytics_reads_it(wire, offset)
        assert fact.event == event  # the analytics projection
        entry = Entry(0, offset, KEY, wire.time, wire)
        assert decode_event(entry) == event  # pytake replay


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_projection_folds_a_real_conversation_without_skipping_anything(
    scenario: str,
) -> None:
    run = SCENARIOS[scenario]()
    conversations: dict[str, Conversation] = {}
    messages: list[Any] = []
    for offset, (_, envelope) in enumerate(run.records):
        wire = Envelope.from_bytes(envelope.to_bytes())
        fact = _as_analytics_reads_it(wire, offset)
        if fact.type == "conversation_started":
            conversations[str(fact.conversation_id)] = start(fact)  # raises Unusable if it cannot
        elif fact.conversation_id in conversations:
            out = apply(conversations[fact.conversation_id], fact)
            conversations[fact.conversation_id] = out.conversation
            messages.extend(out.messages)
    queued = [e for e, _ in run.records if isinstance(e, ev.MessageQueued)]
    received = [e for e, _ in run.records if isinstance(e, ev.InboundReceived)]
    assert conversations and queued and received
    assert [m.outbound_id for m in messages if m.direction == "out"] == [
        q.outbound_id for q in queued
    ]
    assert sum(c.messages_in for c in conversations.values()) == len(
        [m for m in messages if m.direction == "in"]
    )
    for conv in conversations.values():
        assert str(conv.organization_id) == ORG and conv.contact_id == WA_ID
    if scenario == "support":
        [conv] = conversations.values()
        assert conv.variables["customer"]["body"]["plan"] == "Pro" and conv.completed
    if scenario == "pizza with a handoff":
        first = next(iter(conversations.values()))
        assert first.had_handoff and first.status == "closed" and first.completed
        assert any(m.author == "agent" for m in messages)
        assert list(conversations.values())[-1].close_reason == "closed_by_agent"
