"""Nodes that decide alone: set_variable, random, jump and delay."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from pytake_shared.contracts.conversation_events import (
    FlowSwitched,
    NodeFailed,
    PathChosen,
    TimerScheduled,
    VariableSet,
    WaitingForInput,
)

from .documents import chain, node


def test_set_variable_sets_static_copied_and_computed_values_in_order(chat: Any) -> None:
    variables = [
        {"name": "a", "valueType": "static", "value": 3},
        {"name": "b", "value": "{{a}} stays literal"},
        {"name": "c", "valueType": "variable", "value": "{{a}}"},
        {"name": "d", "valueType": "variable", "value": "contact.name"},
        {"name": "e", "valueType": "expression", "value": "{{a}} * {{c}} + 1"},
        {"name": "", "value": "ignored"},
        "junk",
    ]
    c = chat(
        chain(
            node("start", "start"),
            node("set", "set_variable", variables=variables),
            node("end", "end", content="{{a}}|{{b}}|{{c}}|{{d}}|{{e}}"),
        )
    )
    events = c.say()
    assert [(e.name, e.value) for e in events.of(VariableSet)] == [
        ("a", 3),
        ("b", "{{a}} stays literal"),
        ("c", 3),
        ("d", "Ada"),
        ("e", 10),
    ]
    assert events.texts == ["3|{{a}} stays literal|3|Ada|10"]


def test_a_failing_expression_is_recorded_and_the_flow_goes_on(chat: Any) -> None:
    c = chat(
        chain(
            node("start", "start"),
            node(
                "set",
                "set_variable",
                variables=[
                    {"name": "x", "valueType": "expression", "value": "1 / 0"},
                    {"name": "y", "valueType": "expression", "value": "2 +"},
                    {"name": "z", "valueType": "expression", "value": "1 + 1"},
                ],
            ),
            node("end", "end", content="[{{x}}] {{z}}"),
        )
    )
    events = c.say()
    assert [e.reason for e in events.of(NodeFailed)] == [
        "x: division by zero",
        "y: unexpected end",
    ]
    assert events.texts == ["[] 2"]


def _random(paths: list[dict[str, Any]]) -> dict[str, Any]:
    nodes = [
        node("start", "start"),
        node("r", "random", paths=paths),
        node("a", "end", content="A"),
        node("b", "end", content="B"),
    ]
    edges = [
        {"source": "start", "target": "r"},
        {"source": "r", "target": "a", "sourceHandle": "pa"},
        {"source": "r", "target": "b", "sourceHandle": "pb"},
    ]
    return {"canvas_data": {"nodes": nodes, "edges": edges}}


def test_random_follows_the_chosen_paths_edge_and_records_the_choice(chat: Any) -> None:
    c = chat(_random([{"id": "pa", "weight": 1}, {"id": "pb", "weight": 1}]))
    events = c.say()
    [chosen] = events.of(PathChosen)
    assert events.texts == [{"pa": "A", "pb": "B"}[chosen.path_id]]


def test_random_is_seeded_by_conversation_and_node_so_replays_choose_alike(chat: Any) -> None:
    document = _random([{"id": "pa", "weight": 1}, {"id": "pb", "weight": 1}])
    first, second = chat(document), chat(document)
    assert first.say().of(PathChosen) == second.say().of(PathChosen)


def test_random_respects_the_weights_across_conversations(chat: Any) -> None:
    document = _random([{"id": "pa", "weight": 3}, {"id": "pb", "weight": 1}])
    seen: Counter[str] = Counter()
    for n in range(400):
        c = chat(document)
        c.count = itertools.count(n * 10)  # a different first command: a different conversation
        seen[c.say().of(PathChosen)[0].path_id] += 1
    assert 240 <= seen["pa"] <= 360


@pytest.mark.parametrize(
    "paths",
    [[{"id": "pb", "weight": 0}, {"id": "pa", "weight": 5}], [{"id": "pa", "weight": "x"}]],
)
def test_a_path_of_zero_weight_is_never_chosen(chat: Any, paths: list[dict[str, Any]]) -> None:
    assert chat(_random(paths)).say().texts == ["A"]


def test_random_without_paths_or_matching_edge_takes_the_default_edge(chat: Any) -> None:
    document = chain(node("start", "start"), node("r", "random"), node("d", "end", content="D"))
    assert chat(document).say().texts == ["D"]
    document = chain(
        node("start", "start"),
        node("r", "random", paths=[{"id": "zz"}]),
        node("d", "end", content="D"),
    )
    assert chat(document).say().texts == ["D"]


def test_a_jump_to_a_node_continues_there(chat: Any) -> None:
    c = chat(
        chain(
            node("start", "start"),
            node("j", "jump", jumpType="node", targetNodeId="there"),
            node("skipped", "message", content="never"),
            node("there", "end", content="landed"),
        )
    )
    assert c.say().texts == ["landed"]


def test_a_jump_to_another_flow_continues_after_its_start_with_its_defaults(chat: Any) -> None:
    main = chain(
        node("start", "start"),
        node("q", "question", content="Name?", variableName="name"),
        node("j", "jump", jumpType="flow", targetFlowId="flow-2"),
        variables={"company": "Acme"},
    )
    other = chain(
        node("s2", "start"),
        node("m2", "end", content="{{name}} of {{company}} in {{flow.name}} ({{extra}})"),
        name="Other",
        variables={"company": "Ignored", "extra": "kept"},
    )
    c = chat(main, other)
    c.say()
    events = c.say("Grace")
    [switched] = events.of(FlowSwitched)
    assert (switched.flow_id, switched.flow_version, switched.flow_name) == ("flow-2", 1, "Other")
    assert events.texts == ["Grace of Acme in Other (kept)"]
    assert (c.state.flow_id, c.state.close_reason) == ("flow-2", "completed")


@pytest.mark.parametrize(
    "data",
    [
        {"jumpType": "node", "targetNodeId": "ghost"},
        {"jumpType": "flow", "targetFlowId": "flow-9"},
        {"targetFlowId": "flow-2"},  # a flow without a start node cannot be entered
    ],
)
def test_a_jump_to_nowhere_is_recorded_and_closes_the_conversation(
    chat: Any, data: dict[str, Any]
) -> None:
    c = chat(chain(node("start", "start"), node("j", "jump", **data)), chain(node("x", "message")))
    events = c.say()
    assert len(events.of(NodeFailed)) == 1
    assert c.state.close_reason == "jump_target_missing"


def test_a_delay_schedules_a_timer_and_waits_for_it(chat: Any) -> None:
    c = chat(
        chain(
            node("start", "start"),
            node("a", "message", content="one"),
            node("d", "delay", delaySeconds=90),
            node("b", "end", content="two"),
        )
    )
    events = c.say()
    assert events.texts == ["one"]
    [timer] = events.of(TimerScheduled)[1:]
    assert (timer.kind, timer.fire_at, timer.node_id) == ("delay", c.now + 90, "d")
    assert events.of(WaitingForInput)[-1].on == "delay"
    assert c.say("are you there?").kinds == ["inbound_received", "inbound_ignored"]
    assert c.fire("delay").texts == ["two"]


def test_a_delay_of_zero_or_junk_continues_at_once(chat: Any) -> None:
    for value in (0, -5, "soon", None):
        c = chat(
            chain(
                node("start", "start"),
                node("d", "delay", delaySeconds=value),
                node("b", "end", content="b"),
            )
        )
        assert c.say().texts == ["b"]


def test_a_fired_timer_that_is_not_pending_is_ignored(chat: Any) -> None:
    from pytake_shared.engine.commands import FireTimer

    c = chat(
        chain(
            node("start", "start"),
            node("d", "delay", delaySeconds=5),
            node("b", "end", content="b"),
        )
    )
    c.say()
    timer_id = c.timer("delay")
    assert c.fire("delay").texts == ["b"]
    again = c(FireTimer(command_id="again", timer_id=timer_id, at=c.now + 1))
    assert again.kinds == ["command_ignored"]
    assert c(FireTimer(command_id="x", timer_id="made-up", at=c.now)).kinds == ["command_ignored"]
