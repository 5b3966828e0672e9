"""Loading flow documents: the builder's canvas, older PyTake shapes, edges and errors."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.engine.flow import Edge, FlowError, load_flow


def _node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": 1, "y": 2}, "data": data}


CANVAS = {
    "id": "flow-1",
    "name": "Sales",
    "version": 3,
    "variables": {"company": "Acme"},
    "canvas_data": {
        "nodes": [
            _node("start", "start"),
            _node("q", "question", content="Name?", variableName="name", extra="kept"),
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "q", "sourceHandle": None, "label": None}
        ],
        "viewport": {"x": 0, "y": 0, "zoom": 1},
    },
    "inactivity_settings": {"enabled": True, "timeout_minutes": 60},
    "window_expiry_settings": {"action": "wait_customer"},
    "is_main": True,
}


def test_a_builder_canvas_loads_nodes_edges_variables_and_settings() -> None:
    flow = load_flow("flow-1", 3, "Sales", CANVAS)
    assert (flow.id, flow.version, flow.name) == ("flow-1", 3, "Sales")
    assert set(flow.nodes) == {"start", "q"}
    assert flow.nodes["q"].type == "question"
    assert flow.nodes["q"].data == {"content": "Name?", "variableName": "name", "extra": "kept"}
    assert flow.edges == {"start": [Edge("start", "q", None, None)]}
    assert flow.start.id == "start"
    assert flow.variables == {"company": "Acme"}
    assert flow.settings == {
        "inactivity_settings": {"enabled": True, "timeout_minutes": 60},
        "window_expiry_settings": {"action": "wait_customer"},
    }


def test_an_older_document_with_top_level_nodes_and_edges_without_ids_loads() -> None:
    flow = load_flow(
        "f",
        1,
        "Old",
        {
            "nodes": [_node("s", "start"), _node("m", "message", messageText="Hi")],
            "edges": [{"source": "s", "target": "m"}],
        },
    )
    assert flow.default_edge("s") == Edge("s", "m")
    assert flow.nodes["m"].data["content"] == "Hi"
    assert flow.variables == {} and flow.settings == {}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("messageText", "content"),
        ("questionText", "content"),
        ("farewellMessage", "content"),
        ("outputVariable", "variableName"),
        ("validationType", "responseType"),
    ],
)
def test_older_field_names_are_read_as_the_current_ones(old: str, new: str) -> None:
    flow = load_flow("f", 1, "Old", {"nodes": [_node("s", "start"), _node("n", "x", **{old: "v"})]})
    assert flow.nodes["n"].data[new] == "v"
    assert flow.nodes["n"].data[old] == "v"  # the original key is kept too


def test_a_current_field_name_wins_over_its_older_alias() -> None:
    flow = load_flow(
        "f",
        1,
        "Mixed",
        {"nodes": [_node("s", "start"), _node("q", "question", questionText="old", content="new")]},
    )
    assert flow.nodes["q"].data["content"] == "new"


def test_a_node_without_data_or_type_still_loads() -> None:
    flow = load_flow("f", 1, "Bare", {"nodes": [{"id": "s", "type": "start"}, {"id": "x"}]})
    assert flow.nodes["x"].type == ""
    assert flow.nodes["s"].data == {}


def test_an_empty_document_has_no_nodes_and_no_start() -> None:
    flow = load_flow("f", 1, "Empty", {})
    assert flow.nodes == {}
    with pytest.raises(FlowError, match="exactly one start node, found 0"):
        _ = flow.start


def test_two_start_nodes_are_refused_when_the_start_is_asked_for() -> None:
    flow = load_flow("f", 1, "Two", {"nodes": [_node("a", "start"), _node("b", "start")]})
    with pytest.raises(FlowError, match="found 2"):
        _ = flow.start


@pytest.mark.parametrize("raw", [{"type": "start"}, {"id": "", "type": "start"}, "not-a-node"])
def test_a_node_without_an_id_is_refused(raw: Any) -> None:
    with pytest.raises(FlowError, match="a node without an id"):
        load_flow("f", 1, "Bad", {"nodes": [raw]})


def test_an_edge_to_a_missing_node_is_refused_and_names_its_source() -> None:
    with pytest.raises(FlowError, match="e9 joins a missing node") as info:
        load_flow(
            "f",
            1,
            "Bad",
            {
                "nodes": [_node("s", "start")],
                "edges": [{"id": "e9", "source": "s", "target": "ghost"}],
            },
        )
    assert info.value.node_id == "s"
    assert str(info.value).startswith("s: ")


def test_an_edge_from_a_missing_node_is_refused() -> None:
    with pytest.raises(FlowError) as info:
        load_flow(
            "f",
            1,
            "Bad",
            {"nodes": [_node("s", "start")], "edges": [{"source": "", "target": "s"}]},
        )
    assert info.value.node_id is None


def test_entries_of_the_edge_list_that_are_not_objects_are_skipped() -> None:
    flow = load_flow(
        "f",
        1,
        "Odd",
        {
            "nodes": [_node("s", "start"), _node("m", "message")],
            "edges": ["junk", None, {"source": "s", "target": "m"}],
        },
    )
    assert flow.edges == {"s": [Edge("s", "m")]}


def _branching() -> Any:
    return load_flow(
        "f",
        1,
        "Branch",
        {
            "nodes": [
                _node("c", "condition"),
                _node("t", "message"),
                _node("f", "message"),
                _node("d", "message"),
            ],
            "edges": [
                {"source": "c", "target": "t", "sourceHandle": "true"},
                {"source": "c", "target": "f", "label": "False"},
                {"source": "c", "target": "d"},
                {"source": "t", "target": "d", "label": "next"},
                {"source": "t", "target": "f", "sourceHandle": "other"},
            ],
        },
    )


def test_the_default_edge_is_the_first_without_handle_or_label() -> None:
    assert _branching().default_edge("c") == Edge("c", "d")


def test_without_a_plain_edge_the_default_is_the_first_edge() -> None:
    assert _branching().default_edge("t") == Edge("t", "d", None, "next")


def test_a_node_without_edges_has_no_default_edge() -> None:
    assert _branching().default_edge("d") is None
    assert _branching().edge_for("d", "true") is None


def test_edge_for_matches_handles_then_labels_case_insensitively() -> None:
    flow = _branching()
    assert flow.edge_for("c", "TRUE") == Edge("c", "t", "true", None)
    assert flow.edge_for("c", "false") == Edge("c", "f", None, "False")
    assert flow.edge_for("c", "yes", "true") == Edge("c", "t", "true", None)
    assert flow.edge_for("c", "maybe") is None


def test_a_handle_match_wins_over_an_earlier_label_match() -> None:
    flow = load_flow(
        "f",
        1,
        "B",
        {
            "nodes": [_node("a", "x"), _node("b", "x"), _node("c", "x")],
            "edges": [
                {"source": "a", "target": "b", "label": "go"},
                {"source": "a", "target": "c", "sourceHandle": "go"},
            ],
        },
    )
    assert flow.edge_for("a", "go") == Edge("a", "c", "go", None)
