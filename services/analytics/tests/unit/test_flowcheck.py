"""The publish-time check as analytics calls it: the shared validator's located errors, the
chatbot's globals counted as set, and any JSON reported on rather than raised."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pytake_analytics.domain.flowcheck import check


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data}


def doc(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"canvas_data": {"nodes": nodes, "edges": edges}}


def test_a_linear_flow_is_valid() -> None:
    report = check(
        doc([node("s", "start"), node("e", "end")], [{"source": "s", "target": "e"}]), ()
    )
    assert report.ok and report.warnings == []


def test_errors_name_the_node_and_field() -> None:
    report = check(
        doc([node("s", "start"), node("x", "teleport")], [{"source": "s", "target": "x"}]), ()
    )
    assert not report.ok
    assert [(i.node_id, i.field) for i in report.errors] == [("x", "type")]


def test_the_chatbots_globals_count_as_set_and_sibling_flows_as_jump_targets() -> None:
    nodes = [
        node("s", "start"),
        node("m", "message", content="Welcome to {{company}}"),
        node("j", "jump", jumpType="flow", targetFlowId="f2"),
    ]
    edges = [{"source": "s", "target": "m"}, {"source": "m", "target": "j"}]
    alone = check(doc(nodes, edges), ())
    assert [i.node_id for i in alone.errors] == ["j"]
    assert [i.node_id for i in alone.warnings] == ["m"]
    known = check(doc(nodes, edges), {"f2"}, {"company"})
    assert known.ok and known.warnings == []


def test_a_document_that_is_not_an_object_is_an_error() -> None:
    for document in (None, [], "flow", 3):
        report = check(document, ())
        assert not report.ok


KEYS = [
    "id",
    "type",
    "data",
    "nodes",
    "edges",
    "canvas_data",
    "source",
    "target",
    "buttons",
    "options",
    "sections",
    "rows",
    "title",
    "jumpType",
    "targetNodeId",
    "targetFlowId",
    "sourceHandle",
    "label",
    "variables",
    "conditions",
    "variable",
    "validation",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=5)
    | st.sampled_from(
        ["start", "condition", "jump", "question", "interactive_list", "set_variable"]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_is_reported_on_without_raising(document: Any) -> None:
    report = check(document, ("f1",), ("g",))
    assert isinstance(report.ok, bool)
