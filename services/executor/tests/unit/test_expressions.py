"""The safe expression language of `set_variable`: values, precedence, errors, properties."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytake_shared.engine.expressions import ExpressionError, evaluate, tokenize

VARS: dict[str, Any] = {
    "qty": 7,
    "price": 10,
    "text_number": "2",
    "name": "Ada",
    "ratio": 2.5,
    "api": {"body": {"items": [{"price": 3}]}},
    "flag": True,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 / 4", 2.5),
        ("10 / 2", 5),
        ("2 - 3 - 4", -5),
        ("8 / 2 / 2", 2),
        ("-3 + 5", 2),
        ("--3", 3),
        ("+4", 4),
        ("1.5 * 2", 3),
        ("{{qty}} * {{price}}", 70),
        ("{{ qty }}*{{price}}", 70),
        ("{{text_number}} * 3", 6),
        ("{{text_number}} + 1", 3),  # numeric text adds
        ("{{ratio}} * 2", 5),
        ("{{api.body.items.0.price}} + 1", 4),
        ("'Hello, ' + {{name}}", "Hello, Ada"),
        ('"a" + "b" + 1', "ab1"),
        ("{{name}} + {{missing}}", "Ada"),
        ("'it\\'s'", "it's"),
        ("'{{not a var}}'", "{{not a var}}"),
        ("{{qty}} > 5", True),
        ("{{qty}} >= 7", True),
        ("{{qty}} < 7", False),
        ("{{qty}} <= 6", False),
        ("{{name}} == 'ada'", True),
        ("{{name}} != 'Ada'", False),
        ("1 + 1 == 2", True),
        ("{{flag}} == 'true'", True),
        ("{{missing}}", None),
        ("  42  ", 42),
    ],
)
def test_expressions_evaluate_to_what_they_say(source: str, expected: Any) -> None:
    result = evaluate(source, VARS)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "empty"),
        ("1 +", "unexpected end"),
        ("(1 + 2", "missing ')'"),
        ("1 + 2)", "unexpected ')'"),
        ("1 2", "unexpected '2'"),
        ("'unclosed", "unexpected"),
        ("{{unclosed", "unexpected"),
        ("__import__('os')", "unexpected"),
        ("1 / 0", "division by zero"),
        ("{{name}} * 2", "needs numbers"),
        ("{{missing}} - 1", "needs numbers"),
        ("-{{name}}", "cannot negate"),
        ("9" * 50, "out of range"),
        ("99999999999 * 99999999999", "out of range"),
        ("(" * 60 + "1" + ")" * 60, "nested deeper"),
        ("-" * 60 + "1", "nested deeper"),
        ("1" + " + 1" * 600, "longer than"),
    ],
)
def test_a_bad_expression_is_an_expression_error_never_anything_else(
    source: str, message: str
) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate(source, VARS)


def test_the_tokenizer_reads_every_kind_of_token() -> None:
    assert tokenize("1.5 'a' {{ x.y }} >= (") == [
        ("number", "1.5"),
        ("string", "a"),
        ("var", "x.y"),
        ("op", ">="),
        ("op", "("),
        ("end", ""),
    ]


# An arithmetic tree, rendered as source and computed exactly with fractions as the reference.
_leaf = st.integers(min_value=0, max_value=1000)
_tree = st.recursive(
    _leaf,
    lambda inner: (
        st.tuples(st.sampled_from("+-*/"), inner, inner) | st.tuples(st.just("neg"), inner)
    ),
    max_leaves=12,
)


def _source(tree: Any) -> str:
    if isinstance(tree, int):
        return str(tree)
    if tree[0] == "neg":
        return f"-({_source(tree[1])})"
    op, left, right = tree
    return f"({_source(left)} {op} {_source(right)})"


def _exact(tree: Any) -> Fraction:
    if isinstance(tree, int):
        return Fraction(tree)
    if tree[0] == "neg":
        return -_exact(tree[1])
    op, left, right = tree
    a, b = _exact(left), _exact(right)
    if op == "/":
        if b == 0:
            raise ZeroDivisionError
        return a / b
    return a + b if op == "+" else a - b if op == "-" else a * b


@settings(max_examples=300, deadline=None)
@given(_tree)
def test_arithmetic_agrees_with_exact_arithmetic(tree: Any) -> None:
    source = _source(tree)
    try:
        expected = _exact(tree)
    except ZeroDivisionError:
        with pytest.raises(ExpressionError):
            evaluate(source, {})
        return
    try:
        result = evaluate(source, {})
    except ExpressionError as exc:
        assert "out of range" in str(exc)
        return
    assert float(result) == pytest.approx(float(expected), rel=1e-9, abs=1e-9)


_alphabet = st.sampled_from(list("0123456789.+-*/()<>=!'\"{} abcx\\"))


@settings(max_examples=500, deadline=None)
@given(st.text(_alphabet, max_size=40) | st.text(max_size=40))
def test_any_text_either_evaluates_or_raises_an_expression_error(source: str) -> None:
    with contextlib.suppress(ExpressionError):
        evaluate(source, VARS)


def test_text_doubled_in_a_loop_stops_at_the_bound_instead_of_growing_without_end() -> None:
    variables: dict[str, Any] = {"x": "ab"}
    with pytest.raises(ExpressionError, match="text longer than"):
        for _ in range(40):  # 2 * 2**40 characters, were it not bounded
            variables["x"] = evaluate("{{x}} + {{x}}", variables)
    assert len(variables["x"]) <= 65_536
