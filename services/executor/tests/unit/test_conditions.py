"""The `condition` node: every operator, AND/OR, missing variables, numbers vs text, branches."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.engine.conditions import evaluate, holds

VARS: dict[str, Any] = {
    "qty": 7,
    "price": "10",
    "name": "  Ada Lovelace ",
    "city": "São Paulo",
    "tags": ["vip", "beta"],
    "blank": "  ",
    "none": None,
    "empty_list": [],
    "api": {"status": 200, "body": {"plan": "Pro"}},
    "flag": True,
}


@pytest.mark.parametrize(
    ("variable", "operator", "value", "expected"),
    [
        ("qty", "==", "7", True),
        ("qty", "==", "7.0", True),
        ("name", "==", "ada lovelace", True),
        ("name", "!=", "Ada", True),
        ("qty", "!=", 7, False),
        ("qty", ">", "5", True),
        ("qty", ">", "10", False),
        ("price", ">", "9", True),  # numeric: "10" > "9" as text would be false
        ("qty", "<", "7", False),
        ("qty", ">=", "7", True),
        ("qty", "<=", "6.5", False),
        ("city", ">", "rio", True),  # as text: "são paulo" sorts after "rio"
        ("name", "contains", "LOVE", True),
        ("name", "not_contains", "babbage", True),
        ("tags", "contains", "VIP", True),
        ("tags", "not_contains", "vip", False),
        ("name", "starts_with", "ada", True),
        ("name", "ends_with", "LACE", True),
        ("city", "starts_with", "sao", False),
        ("city", "in", "Rio, são paulo ,Recife", True),
        ("qty", "in", "[1, 7, 9]", True),
        ("qty", "in", ["7"], True),
        ("qty", "not_in", "1,2,3", True),
        ("qty", "in", "[broken", False),
        ("blank", "is_empty", None, True),
        ("empty_list", "is_empty", None, True),
        ("qty", "is_empty", None, False),
        ("missing", "is_empty", None, True),
        ("none", "is_empty", None, True),
        ("qty", "is_not_empty", None, True),
        ("missing", "is_not_empty", None, False),
        ("name", "matches", r"^\s*Ada\s", True),
        ("name", "matches", r"^ada", False),  # a regex is taken as written
        ("qty", "matches", r"^\d+$", True),
        ("name", "matches", "([unclosed", False),
        ("name", "matches", "a" * 501, False),
        ("name", "matches", r"(A)da\1", False),  # a backreference: RE2 cannot run it
        ("api.status", "==", "200", True),
        ("{{api.body.plan}}", "==", "pro", True),
        ("flag", "==", "TRUE", True),
        ("qty", "between", "1", False),  # an unknown operator never holds
    ],
)
def test_each_operator_compares_like_the_spec_says(
    variable: str, operator: str, value: Any, expected: bool
) -> None:
    condition = {"variable": variable, "operator": operator, "value": value}
    assert holds(condition, VARS) is expected


@pytest.mark.parametrize(
    "operator",
    [
        "==",
        "!=",
        ">",
        "<",
        ">=",
        "<=",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "in",
        "not_in",
        "matches",
    ],
)
def test_a_missing_variable_makes_every_comparison_false(operator: str) -> None:
    assert holds({"variable": "ghost", "operator": operator, "value": "x"}, VARS) is False


def test_the_value_is_a_template_so_variables_compare_with_each_other() -> None:
    assert holds({"variable": "price", "operator": "<", "value": "{{qty}}0"}, VARS)


@pytest.mark.parametrize(
    ("logic", "expected"), [("AND", False), ("and", False), ("OR", True), (None, False)]
)
def test_conditions_join_with_and_by_default_or_with_or(logic: str | None, expected: bool) -> None:
    data = {
        "conditions": [
            {"variable": "qty", "operator": ">", "value": "5"},
            {"variable": "qty", "operator": ">", "value": "50"},
        ],
        "logicOperator": logic,
    }
    assert evaluate(data, VARS) is expected


def _flow(qty: int, edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "variables": {"qty": qty},
        "canvas_data": {
            "nodes": [
                {"id": "start", "type": "start"},
                {
                    "id": "c",
                    "type": "condition",
                    "data": {"conditions": [{"variable": "qty", "operator": ">", "value": "5"}]},
                },
                {"id": "yes", "type": "end", "data": {"content": "yes"}},
                {"id": "no", "type": "end", "data": {"content": "no"}},
            ],
            "edges": [{"source": "start", "target": "c"}, *edges],
        },
    }


@pytest.mark.parametrize(
    ("true_name", "false_name"),
    [("true", "false"), ("yes", "no"), ("sim", "não"), ("SIM", "nao"), ("True", "FALSE")],
)
@pytest.mark.parametrize("key", ["label", "sourceHandle"])
def test_the_branch_is_chosen_by_handle_or_label_in_english_or_portuguese(
    chat: Any, true_name: str, false_name: str, key: str
) -> None:
    edges = [
        {"source": "c", "target": "no", key: false_name},
        {"source": "c", "target": "yes", key: true_name},
    ]
    assert chat(_flow(7, edges)).say().texts == ["yes"]
    assert chat(_flow(3, edges)).say().texts == ["no"]


def test_a_missing_branch_falls_back_to_a_plain_edge_never_to_the_other_branch(chat: Any) -> None:
    edges = [{"source": "c", "target": "yes", "label": "true"}]
    c = chat(_flow(3, edges))
    assert c.say().texts == []
    assert c.state.close_reason == "completed"
    plain = [*edges, {"source": "c", "target": "no"}]
    assert chat(_flow(3, plain)).say().texts == ["no"]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"^(a|a)*$", r"^(\w+\s?)*$", r"(.*a){20}$"])
def test_a_pathological_pattern_on_a_long_input_runs_in_linear_time(pattern: str) -> None:
    """Python's backtracking `re` needs about 7 s for `^(a+)+$` on 28 characters and twice as
    long for each one more; RE2 answers for 10,000 at once (the figure is in `bench executor`)."""
    for subject in ("a" * 28 + "!", "a" * 9_999 + "!"):
        assert not holds({"variable": "s", "operator": "matches", "value": pattern}, {"s": subject})
