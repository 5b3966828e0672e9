"""`evolve` replays: folding decide's events, read back from JSON, rebuilds the same state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pytake_shared.contracts.conversation_events import EVENT_ADAPTER, Event, MessageQueued
from pytake_shared.engine.engine import Flows, HandleInbound, decide
from pytake_shared.engine.flow import load_flow
from pytake_shared.engine.state import ConversationState, _change, evolve
from pytake_shared.envelope import deterministic_id

from .documents import node

KEY = "106540352242922:5511988887777"


OPTIONAL = {"required": False}

FLOW = load_flow(
    "flow-1",
    1,
    "Two questions",
    {
        "nodes": [
            node("start", "start"),
            # Answers are optional, so every message (even an empty one) moves the flow on.
            node("q1", "question", content="Name?", variableName="name", validation=OPTIONAL),
            node(
                "q2",
                "question",
                content="City, {{name}}?",
                variableName="city",
                validation=OPTIONAL,
            ),
            node("end", "end", content="Bye {{name}} of {{city}}"),
        ],
        "edges": [
            {"source": "start", "target": "q1"},
            {"source": "q1", "target": "q2"},
            {"source": "q2", "target": "end"},
        ],
    },
)
FLOWS = Flows(main_flow=lambda bot: FLOW, by_version=lambda i, v: FLOW)


def _inbound(n: int, text: str | None) -> HandleInbound:
    return HandleInbound(
        command_id=str(deterministic_id("cmd", n)),
        organization_id="org-1",
        chatbot_id="bot-1",
        phone_number_id="106540352242922",
        contact={"id": "5511988887777", "name": "Ada"},
        message_id=f"wamid.{n}",
        message_type="text" if text is not None else "image",
        text=text,
        reply_id=None,
        at=1_700_000_000 + n,
    )


texts = st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=10)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_replaying_the_events_from_json_rebuilds_the_state_exactly(
    inputs: list[str | None],
) -> None:
    state = ConversationState(key=KEY)
    history: list[Event] = []
    for n, text in enumerate(inputs):
        events = decide(state, _inbound(n, text), FLOWS)
        for event in events:
            state = evolve(state, event)
        history.extend(events)

    replayed = ConversationState(key=KEY)
    for event in history:
        replayed = evolve(replayed, EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event)))
    assert replayed == state


@settings(max_examples=150, deadline=None)
@given(texts)
def test_every_third_message_completes_a_run_of_the_two_question_flow(
    inputs: list[str | None],
) -> None:
    state = ConversationState(key=KEY)
    history: list[Event] = []
    for n, text in enumerate(inputs):
        events = decide(state, _inbound(n, text), FLOWS)
        for event in events:
            state = evolve(state, event)
        history.extend(events)
        # After each message the conversation waits for an answer or has just finished.
        assert state.status == ("closed" if n % 3 == 2 else "waiting")

    n = len(inputs)
    assert sum(e.type == "conversation_started" for e in history) == (n + 2) // 3
    assert sum(e.type == "conversation_closed" for e in history) == n // 3
    queued = [e for e in history if isinstance(e, MessageQueued)]
    assert len(queued) == n  # each message gets exactly one reply
    assert len({e.outbound_id for e in queued}) == len(queued)
    if n and n % 3 == 0:  # the last message finished a run: both answers are there
        assert state.variables == {"name": inputs[-2], "city": inputs[-1]}


@settings(max_examples=100, deadline=None)
@given(texts)
def test_evolve_builds_what_model_copy_and_validation_would(inputs: list[str | None]) -> None:
    """`evolve` copies the state without pydantic's `model_copy`: the result must be the same
    state, with the same fields set, and survive a validation round trip."""
    state = ConversationState(key=KEY)
    for n, text in enumerate(inputs):
        for event in decide(state, _inbound(n, text), FLOWS):
            evolved = evolve(state, event)
            dumped = evolved.model_dump()
            assert ConversationState.model_validate(dumped) == evolved
            assert evolved.model_fields_set >= state.model_fields_set
            change = _change(state, event)
            if change:
                expected = state.model_copy(update=change)
                assert expected == evolved
                assert expected.model_fields_set == evolved.model_fields_set
            state = evolved
