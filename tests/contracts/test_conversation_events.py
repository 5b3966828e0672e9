"""The contract of `conversation.events.v1`: what the executor writes decodes, unchanged, in
every reader (the analytics projection, `pytake replay`), and the projection folds a whole
real conversation of it without skipping anything.

The events come from the executor's own engine running the example flows (pizza order with a
handoff, a CRM lookup with an API call), published the way its handler publishes them
(`event_type`, `to_data`), so a field renamed on either side fails here."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_analytics.domain.projection import Conversation, Fact, apply, start
from pytake_shared.contracts import conversation_events as ev
from pytake_shared.envelope import Envelope
from pytake_shared.history import Entry, decode_event

from .scenarios import KEY, ORG, SCENARIOS, WA_ID


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
