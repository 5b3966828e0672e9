"""Flow documents as the shared parser reads them: where nodes and edges live, aliases, and the
edge helpers branching nodes rely on (the executor's own loading tests cover the rest)."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.flowdoc import Edge, FlowError, load_flow, raw_parts


def _node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data}


def test_raw_parts_reads_the_canvas_or_the_top_level_and_applies_aliases() -> None:
    canvas = {"canvas_data": {"nodes": [_node("a", "message", messageText="hi")], "edges": ["e"]}}
    nodes, edges = raw_parts(canvas)
    assert nodes[0]["data"] == {"messageText": "hi", "content": "hi"}
    assert edges == ["e"]
    assert raw_parts({"nodes": [_node("a", "start")]})[0][0]["id"] == "a"


def test_raw_parts_never_raises_on_junk() -> None:
    assert raw_parts({}) == ([], [])
    assert raw_parts({"canvas_data": "junk", "nodes": "x", "edges": {"a": 1}}) == ([], [])
    assert raw_parts({"nodes": ["junk", None]}) == (["junk", None], [])


def test_an_edge_is_named_by_its_handle_or_its_label_case_insensitively() -> None:
    assert Edge("a", "b", "Yes", None).named(("yes",))
    assert Edge("a", "b", None, "SIM").named(("sim",))
    assert not Edge("a", "b").named(("true",))


def test_the_default_edge_can_skip_named_branches() -> None:
    flow = load_flow(
        "f",
        1,
        "F",
        {
            "nodes": [_node("q", "question"), _node("x", "end"), _node("y", "end")],
            "edges": [
                {"source": "q", "target": "x", "label": "invalid"},
                {"source": "q", "target": "y", "label": "next"},
            ],
        },
    )
    assert flow.default_edge("q") == Edge("q", "x", None, "invalid")
    assert flow.default_edge("q", skip=("invalid",)) == Edge("q", "y", None, "next")
    assert flow.default_edge("q", skip=("invalid", "next")) is None


def test_load_flow_indexes_nodes_and_edges_and_keeps_the_settings() -> None:
    flow = load_flow(
        "f",
        2,
        "F",
        {
            "variables": {"a": 1},
            "inactivity_settings": {"timeout_minutes": 5},
            "canvas_data": {
                "nodes": [_node("s", "start"), _node("c", "condition"), _node("t", "end")],
                "edges": [
                    {"source": "s", "target": "c"},
                    {"source": "c", "target": "t", "label": "True"},
                    {"source": "c", "target": "s", "sourceHandle": "false"},
                    "junk",
                ],
            },
        },
    )
    assert (flow.start.id, flow.variables, flow.settings) == (
        "s",
        {"a": 1},
        {"inactivity_settings": {"timeout_minutes": 5}},
    )
    assert flow.edge_for("c", "true") == Edge("c", "t", None, "True")
    assert flow.edge_for("c", "FALSE") == Edge("c", "s", "false", None)
    assert flow.edge_for("c", "maybe") is None


def test_load_flow_refuses_what_cannot_run() -> None:
    for document, message in [
        ({"nodes": [{"type": "start"}]}, "a node without an id"),
        ({"nodes": [_node("s", "start")], "edges": [{"source": "s", "target": "x"}]}, "missing"),
    ]:
        with pytest.raises(FlowError, match=message):
            load_flow("f", 1, "F", document)
    with pytest.raises(FlowError, match="exactly one start node, found 0"):
        _ = load_flow("f", 1, "F", {}).start
