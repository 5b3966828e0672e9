"""Publish-time validation: each error and warning of the spec, located by node and field."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from pytake_shared.egress import EgressPolicy
from pytake_shared.flowdoc import Issue, ValidationReport, validate

EXAMPLES = Path(__file__).parents[2] / "services/executor/tests/fixtures/flows"


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0}, "data": data}


def document(
    *nodes: dict[str, Any], edges: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """`nodes` after a start node, chained in order unless `edges` are given."""
    all_nodes = [node("start", "start"), *nodes]
    if edges is None:
        edges = [
            {"id": f"e{i}", "source": a["id"], "target": b["id"]}
            for i, (a, b) in enumerate(itertools.pairwise(all_nodes))
        ]
    return {"id": "flow-1", "canvas_data": {"nodes": all_nodes, "edges": edges}, **extra}


def errors(report: ValidationReport) -> list[tuple[str | None, str | None]]:
    return [(i.node_id, i.field) for i in report.errors]


@pytest.mark.parametrize("name", ["pizza_order", "support_lookup"])
def test_the_example_flows_are_valid_without_warnings(name: str) -> None:
    report = validate(json.loads((EXAMPLES / f"{name}.json").read_text()))
    assert report == ValidationReport()
    assert report.ok


def test_a_flow_without_a_start_node_is_refused() -> None:
    report = validate({"canvas_data": {"nodes": [node("m", "message", content="hi")]}})
    assert report.errors == [Issue(node_id=None, field="nodes", message="no start node")]
    assert not report.ok
    assert report.warnings == []  # reachability means nothing without a start


def test_every_start_node_of_several_is_reported() -> None:
    report = validate(document(node("again", "start")))
    assert errors(report) == [("start", "type"), ("again", "type")]
    assert "one of 2 start nodes" in report.errors[0].message


def test_nodes_without_ids_or_with_duplicate_ids_are_refused() -> None:
    nodes = (node("m", "message"), {"type": "message"}, node("m", "end"), "junk")
    report = validate(document(*nodes, edges=[{"source": "start", "target": "m"}]))
    assert errors(report) == [(None, "nodes[2].id"), ("m", "id"), (None, "nodes[4].id")]


def test_an_edge_to_a_missing_node_is_refused_at_the_edge() -> None:
    edges = [
        {"id": "good", "source": "start", "target": "m"},
        {"id": "e7", "source": "m", "target": "ghost"},
        {"source": "ghost", "target": "m"},
        "junk",
    ]
    report = validate(document(node("m", "message"), edges=edges))
    assert errors(report) == [("m", "edges[e7].target"), (None, "edges[2].source")]
    assert "'ghost'" in report.errors[0].message


def test_an_unknown_node_type_is_refused() -> None:
    report = validate(document(node("t", "teleport"), node("u", "")))
    assert errors(report) == [("t", "type"), ("u", "type")]
    assert report.errors[0].message == "unknown node type 'teleport'"


@pytest.mark.parametrize(
    ("branches", "missing"),
    [
        ([], "no true and no false branch"),
        ([("label", "true")], "no false branch"),
        ([("sourceHandle", "não")], "no true branch"),
        ([("label", "yes"), ("sourceHandle", "no")], None),
        ([("sourceHandle", "SIM"), ("label", "Nao")], None),
    ],
)
def test_a_condition_needs_both_branches(
    branches: list[tuple[str, str]], missing: str | None
) -> None:
    edges: list[dict[str, Any]] = [{"source": "start", "target": "c"}]
    edges += [{"source": "c", "target": "end", key: name} for key, name in branches]
    edges.append({"source": "c", "target": "end"})  # a plain edge is no branch
    report = validate(document(node("c", "condition"), node("end", "end"), edges=edges))
    if missing is None:
        assert report.ok
    else:
        assert report.errors == [
            Issue(node_id="c", field="edges", message=f"{missing}; a condition needs both")
        ]


def test_too_many_buttons_and_too_long_titles_are_refused() -> None:
    buttons = [{"id": str(i), "title": "t" * (19 + i)} for i in range(4)]
    report = validate(document(node("b", "interactive_buttons", bodyText="?", buttons=buttons)))
    assert errors(report) == [
        ("b", "buttons"),
        ("b", "buttons[2].title"),
        ("b", "buttons[3].title"),
    ]


def test_question_options_are_buttons_up_to_three_and_a_list_up_to_ten() -> None:
    short = [{"value": "a", "label": "x" * 21}]
    many = [{"value": str(i), "label": "y" * 30} for i in range(11)]
    fine = [{"value": str(i), "label": "z" * 24} for i in range(10)]
    report = validate(
        document(
            node("q1", "question", options=short),
            node("q2", "question", options=many),
            node("q3", "question", options=fine),
        )
    )
    assert errors(report) == [("q1", "options[0].label"), ("q2", "options")]


def test_a_list_with_more_than_ten_rows_in_all_is_refused() -> None:
    sections = [{"rows": [{"id": f"{s}{i}", "title": "r"} for i in range(4)]} for s in "abc"]
    report = validate(document(node("l", "interactive_list", sections=sections)))
    assert report.errors == [
        Issue(node_id="l", field="sections", message="12 rows; a list holds at most 10")
    ]


@pytest.mark.parametrize(
    ("node_type", "data", "field"),
    [
        ("message", {"content": "x" * 4097}, "content"),
        ("message", {"messageText": "x" * 4097}, "content"),
        ("message", {"caption": "x" * 5000}, "caption"),
        ("question", {"content": "x" * 4097}, "content"),
        ("question", {"validation": {"errorMessage": "x" * 4097}}, "validation.errorMessage"),
        ("end", {"content": "x" * 4097}, "content"),
        ("handoff", {"transferMessage": "x" * 4097}, "transferMessage"),
        ("interactive_buttons", {"bodyText": "x" * 4097}, "bodyText"),
        ("interactive_list", {"bodyText": "x" * 4097}, "bodyText"),
    ],
)
def test_a_text_over_4096_characters_is_refused(
    node_type: str, data: dict[str, Any], field: str
) -> None:
    report = validate(document(node("n", node_type, **data)))
    assert errors(report) == [("n", field)]
    assert validate(document(node("n", node_type, content="x" * 4096))).ok


def test_a_jump_to_a_missing_node_is_refused() -> None:
    report = validate(
        document(
            node("j1", "jump", jumpType="node", targetNodeId="ghost"),
            node("j2", "jump"),
            node("j3", "jump", targetNodeId="start"),
        )
    )
    assert errors(report) == [("j1", "targetNodeId"), ("j2", "targetNodeId")]


def test_a_jump_to_a_flow_must_name_a_flow_of_the_chatbot() -> None:
    doc = document(
        node("j1", "jump", jumpType="flow", targetFlowId="sales"),
        node("j2", "jump", targetFlowId="ghost"),
        node("j3", "jump", jumpType="flow", targetFlowId="flow-1"),  # itself: allowed
        node("j4", "jump", jumpType="flow"),
    )
    report = validate(doc, known_flow_ids={"sales", "support"})
    assert errors(report) == [("j2", "targetFlowId"), ("j4", "targetFlowId")]
    assert errors(validate(doc))[0] == ("j1", "targetFlowId")


def test_unreachable_nodes_are_a_warning_and_jumps_reach_their_target() -> None:
    edges = [
        {"source": "start", "target": "j"},
        {"source": "island", "target": "island2"},
    ]
    report = validate(
        document(
            node("j", "jump", targetNodeId="landing"),
            node("landing", "end"),
            node("island", "message"),
            node("island2", "end"),
            edges=edges,
        )
    )
    assert report.ok
    assert [(w.node_id, w.message) for w in report.warnings] == [
        ("island", "unreachable from the start node"),
        ("island2", "unreachable from the start node"),
    ]


def test_variables_read_but_never_set_are_a_warning_where_they_are_read() -> None:
    report = validate(
        document(
            node(
                "q",
                "question",
                content="Hi {{contact.name}}, at {{company}}?",
                variableName="answer",
            ),
            node(
                "set",
                "set_variable",
                variables=[
                    {"name": "copy", "valueType": "variable", "value": "ghost_a"},
                    {"name": "sum", "valueType": "expression", "value": "{{answer}} + {{ghost_b}}"},
                ],
            ),
            node(
                "c",
                "condition",
                conditions=[{"variable": "{{ghost_c.x}}", "operator": "==", "value": "{{sum}}"}],
            ),
            node(
                "call",
                "api_call",
                url="https://x/{{api_response.body.id}}",
                queryParams={"q": "{{ghost_d}}"},
            ),
            node(
                "m",
                "message",
                content="{{copy}} {{global}} {{last_input}} {{now}} {{flow.name}} {{a.b}}",
            ),
            variables={"company": "Acme", "a.b": 1},
        ),
        known_variables={"global"},
    )
    assert [(w.node_id, w.field, w.message) for w in report.warnings] == [
        ("set", "variables[0].value", "reads 'ghost_a', which nothing in the flow sets"),
        ("set", "variables[1].value", "reads 'ghost_b', which nothing in the flow sets"),
        ("c", "conditions[0].variable", "reads 'ghost_c', which nothing in the flow sets"),
        ("call", "queryParams.q", "reads 'ghost_d', which nothing in the flow sets"),
    ]
    assert report.errors[0].field == "edges"  # the condition has no branches: still an error


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "invalid escape sequence"),  # backreference: RE2 has none
        (r"^(?=.*\d)", "invalid perl operator"),  # lookahead
        ("([unclosed", "missing ]"),
        ("a" * 501, "at most 500"),
    ],
)
def test_a_matches_pattern_re2_cannot_run_is_refused_at_its_condition(
    pattern: str, reason: str
) -> None:
    conditions = [
        {"variable": "x", "operator": "==", "value": "1"},
        {"variable": "x", "operator": "matches", "value": pattern},
    ]
    edges = [
        {"source": "start", "target": "c"},
        {"source": "c", "target": "end", "label": "true"},
        {"source": "c", "target": "end", "label": "false"},
    ]
    doc = document(node("c", "condition", conditions=conditions), node("end", "end"), edges=edges)
    [issue] = validate(doc, known_variables=["x"]).errors
    assert (issue.node_id, issue.field) == ("c", "conditions[1].value")
    assert reason in issue.message


def test_a_pathological_but_valid_pattern_and_one_built_from_variables_are_published() -> None:
    conditions = [
        {"variable": "x", "operator": "matches", "value": "^(a+)+$"},
        {"variable": "x", "operator": "matches", "value": "{{pattern}}("},
    ]
    edges = [
        {"source": "start", "target": "c"},
        {"source": "c", "target": "end", "label": "true"},
        {"source": "c", "target": "end", "label": "false"},
    ]
    doc = document(node("c", "condition", conditions=conditions), node("end", "end"), edges=edges)
    assert validate(doc, known_variables=["x", "pattern"]).ok


def test_a_literal_url_the_egress_policy_would_refuse_is_a_warning_on_its_node() -> None:
    calls = [
        node("a", "api_call", url="http://169.254.169.254/latest/meta-data/"),
        node("b", "webhook", url="http://127.0.0.1:8000/api/v1/users"),
        node("c", "api_call", url="https://{{host}}/x"),  # judged when the call is made
        node("d", "api_call", url="https://crm.example.com/{{id}}"),
        node("e", "webhook", url="ftp://files.example.com/x"),
        node("f", "api_call", url="http://10.1.2.3/internal"),
    ]
    report = validate(document(*calls), known_variables=["host", "id"])
    assert report.ok
    refused = {w.node_id: w.message for w in report.warnings if w.field == "url"}
    assert set(refused) == {"a", "b", "e", "f"}
    assert "link-local" in refused["a"] and refused["a"].startswith("will be refused: ")
    allowed = EgressPolicy.parse("10.0.0.0/8")
    report = validate(document(*calls), known_variables=["host", "id"], egress=allowed)
    assert {w.node_id for w in report.warnings if w.field == "url"} == {"a", "b", "e"}


def test_an_unknown_language_or_text_key_is_a_warning() -> None:
    doc = document(language="tlh", texts={"answer_number": "Nums!", "answer_numbr": "typo"})
    report = validate(doc)
    assert report.ok
    fields = {w.field: w.message for w in report.warnings}
    assert "English is used" in fields["language"]
    assert "texts.answer_numbr" in fields and "texts.answer_number" not in fields
    assert not [w for w in validate(document(language="pt-BR")).warnings if w.field == "language"]
