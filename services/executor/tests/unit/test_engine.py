"""`decide`: one inbound message runs the flow until it waits or ends (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pytake_shared.contracts.conversation_events import (
    ConversationClosed,
    ConversationStarted,
    Event,
    InboundReceived,
    InputCaptured,
    MessageQueued,
    NodeEntered,
    WaitingForInput,
)
from pytake_shared.engine.engine import MAX_FLOW_ITERATIONS, Flows, HandleInbound, decide
from pytake_shared.engine.flow import Flow, load_flow
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import deterministic_id

from .documents import chain, node

NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"
T0 = 1_700_000_000


def flow_of(document: dict[str, Any], flow_id: str = "flow-1", version: int = 1) -> Flow:
    return load_flow(flow_id, version, "Survey", document)


def flows_of(*flows: Flow) -> Flows:
    """The first flow is every chatbot's main flow; every flow is found by version."""
    by_id = {(f.id, f.version): f for f in flows}
    return Flows(
        main_flow=lambda bot: flows[0] if flows else None, by_version=lambda i, v: by_id.get((i, v))
    )


def inbound(
    text: str | None = "hi", n: int = 0, *, at: int = T0, name: str = "Ada"
) -> HandleInbound:
    return HandleInbound(
        command_id=str(deterministic_id("test.command", n)),
        organization_id="org-1",
        chatbot_id="bot-1",
        phone_number_id=NUMBER_ID,
        contact={"id": WA_ID, "wa_id": WA_ID, "user_id": None, "name": name},
        message_id=f"wamid.{n}",
        message_type="text",
        text=text,
        reply_id=None,
        at=at,
    )


def run(
    state: ConversationState, message: HandleInbound, flows: Flows
) -> tuple[ConversationState, list[Event]]:
    events = decide(state, message, flows)
    for event in events:
        state = evolve(state, event)
    return state, events


def kinds(events: list[Event]) -> list[str]:
    return [e.type for e in events]


def texts(events: list[Event]) -> list[str]:
    return [e.message["text"] for e in events if isinstance(e, MessageQueued)]


SURVEY = flow_of(
    chain(
        node("start", "start"),
        node("greet", "message", content="Hello {{contact.name}} from {{company}}"),
        node("q-name", "question", content="Your name?", variableName="name"),
        node("q-city", "question", content="Your city, {{name}}?", variableName="city"),
        node("bye", "end", content="Thanks {{name}} from {{city}}"),
        variables={"company": "Acme"},
    )
)
NEW = ConversationState(key=KEY)


def test_a_message_flow_without_a_further_edge_sends_and_closes_completed() -> None:
    flow = flow_of(chain(node("start", "start"), node("hi", "message", content="Hello")))
    state, events = run(NEW, inbound(), flows_of(flow))
    assert kinds(events) == [
        "inbound_received",
        "conversation_started",
        "timer_scheduled",  # the session TTL
        "node_entered",
        "node_entered",
        "message_queued",
        "timer_cancelled",  # a closed conversation has no pending timers
        "conversation_closed",
    ]
    assert texts(events) == ["Hello"]
    assert events[-1] == ConversationClosed(reason="completed", at=T0)
    assert (state.status, state.close_reason, state.path) == (
        "closed",
        "completed",
        ["start", "hi"],
    )


def test_a_new_conversation_starts_with_the_flows_identity_and_defaults() -> None:
    message = inbound()
    _, events = run(NEW, message, flows_of(SURVEY))
    started = events[1]
    assert started == ConversationStarted(
        conversation_id=str(deterministic_id("conversation", message.command_id)),
        organization_id="org-1",
        chatbot_id="bot-1",
        phone_number_id=NUMBER_ID,
        contact=message.contact,
        flow_id="flow-1",
        flow_version=1,
        flow_name="Survey",
        variables={"company": "Acme"},
        at=T0,
    )
    assert events[0] == InboundReceived(message_id="wamid.0", message_type="text", text="hi", at=T0)


def test_a_question_sends_its_prompt_and_waits() -> None:
    state, events = run(NEW, inbound(), flows_of(SURVEY))
    assert texts(events) == ["Hello Ada from Acme", "Your name?"]
    assert events[-1] == WaitingForInput(node_id="q-name")
    assert (state.status, state.current_node_id) == ("waiting", "q-name")
    assert state.messages_queued == 2


def test_an_answer_is_captured_into_the_variable_and_the_flow_continues() -> None:
    state, _ = run(NEW, inbound(), flows_of(SURVEY))
    state, events = run(state, inbound("Grace", 1, at=T0 + 5), flows_of(SURVEY))
    assert kinds(events) == [
        "inbound_received",
        "input_captured",
        "node_entered",
        "message_queued",
        "waiting_for_input",
    ]
    assert events[1] == InputCaptured(node_id="q-name", variable="name", value="Grace")
    assert texts(events) == ["Your city, Grace?"]
    assert state.variables == {"company": "Acme", "name": "Grace"}
    assert state.last_input == "Grace"

    state, events = run(state, inbound("Paris", 2, at=T0 + 9), flows_of(SURVEY))
    assert texts(events) == ["Thanks Grace from Paris"]
    assert events[-1] == ConversationClosed(reason="completed", at=T0 + 9)
    assert state.status == "closed"
    assert state.path == ["start", "greet", "q-name", "q-city", "bye"]


def test_a_question_without_variable_name_captures_nothing_but_continues() -> None:
    flow = flow_of(
        chain(node("start", "start"), node("q", "question", label="Ready?"), node("done", "end"))
    )
    state, events = run(NEW, inbound(), flows_of(flow))
    assert texts(events) == ["Ready?"]  # the label is the prompt when there is no content
    state, events = run(state, inbound("yes", 1), flows_of(flow))
    assert events[1] == InputCaptured(node_id="q", variable=None, value="yes")
    assert state.variables == {}
    assert state.status == "closed"


def test_an_answer_to_a_question_without_outgoing_edge_closes_completed() -> None:
    flow = flow_of(
        chain(node("start", "start"), node("q", "question", content="?", variableName="x"))
    )
    state, _ = run(NEW, inbound(), flows_of(flow))
    state, events = run(state, inbound("42", 1), flows_of(flow))
    assert kinds(events) == [
        "inbound_received",
        "input_captured",
        "timer_cancelled",
        "conversation_closed",
    ]
    assert (state.status, state.variables) == ("closed", {"x": "42"})


def test_an_end_node_without_content_closes_without_sending() -> None:
    flow = flow_of(chain(node("start", "start"), node("end", "end")))
    _, events = run(NEW, inbound(), flows_of(flow))
    assert texts(events) == []
    assert events[-1] == ConversationClosed(reason="completed", at=T0)


def test_an_end_node_stops_the_flow_even_with_an_edge_after_it() -> None:
    flow = flow_of(
        chain(
            node("start", "start"),
            node("end", "end", content="Bye"),
            node("after", "message", content="never"),
        )
    )
    _, events = run(NEW, inbound(), flows_of(flow))
    assert texts(events) == ["Bye"]


def test_a_node_type_the_engine_does_not_run_closes_with_the_reason() -> None:
    flow = flow_of(
        chain(
            node("start", "start"),
            node("hi", "message", content="Hi"),
            node("wait", "teleport", to="mars"),
            node("later", "message"),
        )
    )
    state, events = run(NEW, inbound(), flows_of(flow))
    assert texts(events) == ["Hi"]
    assert events[-1] == ConversationClosed(reason="unsupported_node:teleport", at=T0)
    assert state.close_reason == "unsupported_node:teleport"


def test_a_cycle_of_messages_stops_after_max_iterations() -> None:
    flow = flow_of(
        {
            "nodes": [
                node("start", "start"),
                node("a", "message", content="A"),
                node("b", "message", content="B"),
            ],
            "edges": [
                {"source": "start", "target": "a"},
                {"source": "a", "target": "b"},
                {"source": "b", "target": "a"},
            ],
        }
    )
    state, events = run(NEW, inbound(), flows_of(flow))
    entered = [e for e in events if isinstance(e, NodeEntered)]
    assert len(entered) == MAX_FLOW_ITERATIONS
    assert texts(events) == ["A", "B"] * 5  # the first ten; the rest are held back
    assert events[-1] == ConversationClosed(reason="max_iterations", at=T0)
    assert state.status == "closed"


def test_a_closed_conversation_restarts_on_the_next_message() -> None:
    flow = flow_of(chain(node("start", "start"), node("hi", "message", content="Hello")))
    first, first_events = run(NEW, inbound("hi", 0), flows_of(flow))
    second, second_events = run(first, inbound("again", 1, at=T0 + 60), flows_of(flow))
    assert kinds(second_events)[:2] == ["inbound_received", "conversation_started"]
    assert second.conversation_id != first.conversation_id
    assert second.started_at == T0 + 60
    assert second.path == ["start", "hi"]  # a fresh path, not appended to the old one
    ids = [e.outbound_id for e in first_events + second_events if isinstance(e, MessageQueued)]
    assert len(set(ids)) == 2


def test_without_a_main_flow_the_message_is_recorded_and_nothing_starts() -> None:
    state, events = run(NEW, inbound(), flows_of())
    assert kinds(events) == ["inbound_received"]
    assert state.status == "new"
    assert state.last_input == "hi"


def test_a_waiting_conversation_whose_flow_disappeared_closes_flow_unavailable() -> None:
    state, _ = run(NEW, inbound(), flows_of(SURVEY))
    state, events = run(state, inbound("Grace", 1, at=T0 + 1), flows_of())
    assert kinds(events) == ["inbound_received", "timer_cancelled", "conversation_closed"]
    assert events[-1] == ConversationClosed(reason="flow_unavailable", at=T0 + 1)
    assert state.status == "closed"


def test_a_waiting_conversation_whose_node_disappeared_closes_flow_unavailable() -> None:
    state, _ = run(NEW, inbound(), flows_of(SURVEY))
    moved = state.model_copy(update={"current_node_id": "gone"})
    _, events = run(moved, inbound("x", 1), flows_of(SURVEY))
    assert events[-1].type == "conversation_closed"
    assert events[-1].reason == "flow_unavailable"  # type: ignore[union-attr]


def test_a_conversation_keeps_the_flow_version_it_started_with() -> None:
    v2 = flow_of(chain(node("start", "start"), node("q", "question", content="v2?")), version=2)
    state, _ = run(NEW, inbound(), flows_of(SURVEY, v2))  # SURVEY (v1) is the main flow
    # v2 becomes the main flow; the waiting conversation still answers through v1.
    flows = Flows(main_flow=lambda bot: v2, by_version=lambda i, v: {1: SURVEY, 2: v2}.get(v))
    state, events = run(state, inbound("Grace", 1), flows)
    assert texts(events) == ["Your city, Grace?"]
    assert state.flow_version == 1


def test_templates_see_flow_defaults_collected_values_and_built_ins() -> None:
    content = (
        "{{company}}|{{contact.name}}|{{contact.phone}}|{{contact.id}}|{{flow.name}}|"
        "{{last_input}}|{{now}}"
    )
    flow = flow_of(
        chain(
            node("start", "start"),
            node("m", "message", content=content),
            variables={"company": "Acme"},
        )
    )
    _, events = run(NEW, inbound("first words", at=T0), flows_of(flow))
    now = datetime.fromtimestamp(T0, UTC).isoformat()
    assert texts(events) == [f"Acme|Ada|{WA_ID}|{WA_ID}|Survey|first words|{now}"]


def test_a_collected_value_overrides_the_flow_default_of_the_same_name() -> None:
    flow = flow_of(
        chain(
            node("start", "start"),
            node("q", "question", content="Company?", variableName="company"),
            node("m", "end", content="At {{company}}"),
            variables={"company": "Acme"},
        )
    )
    state, _ = run(NEW, inbound(), flows_of(flow))
    _, events = run(state, inbound("Globex", 1), flows_of(flow))
    assert texts(events) == ["At Globex"]


def test_decide_is_deterministic_so_a_replayed_command_yields_the_same_events() -> None:
    message = inbound()
    assert decide(NEW, message, flows_of(SURVEY)) == decide(NEW, message, flows_of(SURVEY))


def test_outbound_ids_are_distinct_within_and_across_messages_of_a_conversation() -> None:
    state, first = run(NEW, inbound(), flows_of(SURVEY))
    state, second = run(state, inbound("Grace", 1), flows_of(SURVEY))
    _, third = run(state, inbound("Paris", 2), flows_of(SURVEY))
    queued = [e for e in first + second + third if isinstance(e, MessageQueued)]
    assert len(queued) == 4
    assert len({e.outbound_id for e in queued}) == 4
    conversation = state.conversation_id
    assert [e.outbound_id for e in queued] == [
        str(deterministic_id("outbound", conversation, i)) for i in range(4)
    ]
    assert all(e.message["kind"] == "text" for e in queued)
    assert [e.node_id for e in queued] == ["greet", "q-name", "q-city", "bye"]


def test_a_message_without_text_is_refused_by_a_question_that_requires_an_answer() -> None:
    state, _ = run(NEW, inbound(), flows_of(SURVEY))
    state, events = run(state, inbound(None, 1), flows_of(SURVEY))
    assert kinds(events)[1] == "input_rejected"
    assert texts(events) == ["Please send an answer."]
    assert (state.status, state.current_node_id, state.attempts) == ("waiting", "q-name", 1)


def test_a_message_without_text_is_captured_as_none_when_an_answer_is_optional() -> None:
    flow = flow_of(
        chain(
            node("start", "start"),
            node(
                "q",
                "question",
                content="Name?",
                variableName="name",
                validation={"required": False},
            ),
            node("bye", "end", content="Bye {{name}}."),
        )
    )
    state, _ = run(NEW, inbound(), flows_of(flow))
    state, events = run(state, inbound(None, 1), flows_of(flow))
    assert events[1] == InputCaptured(node_id="q", variable="name", value=None)
    assert texts(events) == ["Bye ."]


def test_a_message_whose_text_renders_empty_sends_nothing_and_the_flow_goes_on() -> None:
    from pytake_shared.engine.engine import Flows, HandleInbound, decide
    from pytake_shared.engine.flow import load_flow
    from pytake_shared.engine.state import ConversationState

    flow = load_flow(
        "f",
        1,
        "F",
        {
            "nodes": [
                {"id": "s", "type": "start"},
                {"id": "empty", "type": "message", "data": {"content": "{{missing}}  "}},
                {"id": "bye", "type": "message", "data": {"content": "bye"}},
            ],
            "edges": [{"source": "s", "target": "empty"}, {"source": "empty", "target": "bye"}],
        },
    )
    inbound = HandleInbound("c1", "o", "b", "n", {"id": "1"}, "w1", "text", "hi", None, 1)
    events = decide(
        ConversationState(key="n:1"),
        inbound,
        Flows(main_flow=lambda _: flow, by_version=lambda *_: flow),
    )
    queued = [e.message["text"] for e in events if e.type == "message_queued"]
    assert queued == ["bye"]
