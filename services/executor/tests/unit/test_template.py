"""`{{var}}` rendering: dotted paths, lists, built-in formatting, empty when missing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytake_shared.engine.template import MAX_RENDERED, lookup, render

VARS: dict[str, Any] = {
    "name": "Ada",
    "age": 36,
    "score": 4.0,
    "ratio": 2.5,
    "vip": True,
    "blocked": False,
    "nothing": None,
    "api_response": {"status": 200, "body": {"items": [{"title": "First"}, {"title": "2nd"}]}},
    "tags": ["a", "b"],
    "a.b": "literal key",
    "a": {"b": "nested"},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi {{name}}!", "Hi Ada!"),
        ("Hi {{ name }}!", "Hi Ada!"),
        ("{{name}} is {{age}}", "Ada is 36"),
        ("{{api_response.body.items.0.title}}", "First"),
        ("{{api_response.body.items.1.title}}", "2nd"),
        ("{{api_response.status}}", "200"),
        ("[{{missing}}]", "[]"),
        ("[{{api_response.body.items.5.title}}]", "[]"),
        ("[{{api_response.body.items.x}}]", "[]"),
        ("[{{name.first}}]", "[]"),
        ("[{{nothing}}]", "[]"),
        ("{{vip}}/{{blocked}}", "true/false"),
        ("{{score}} {{ratio}}", "4 2.5"),
        ("{{tags}}", '["a","b"]'),
        ("{{api_response.body.items.0}}", '{"title":"First"}'),
        ("{{a.b}}", "literal key"),
        ("no placeholders { here }", "no placeholders { here }"),
        ("{{}} stays", "{{}} stays"),
    ],
)
def test_placeholders_render_from_the_variables(template: str, expected: str) -> None:
    assert render(template, VARS) == expected


def test_lookup_returns_the_value_itself_not_its_text() -> None:
    assert lookup(VARS, "api_response.body.items") == VARS["api_response"]["body"]["items"]
    assert lookup(VARS, "age") == 36
    assert lookup(VARS, "missing.deeper") is None


_plain = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=40)


@given(_plain)
def test_text_without_placeholders_is_left_as_it_is(text: str) -> None:
    assert render(text, VARS) == text


@given(_plain, _plain, _plain)
def test_a_string_variable_is_inserted_verbatim(before: str, value: str, after: str) -> None:
    assert render(before + "{{v}}" + after, {"v": value}) == before + value + after


@given(st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.integers(), max_size=5))
def test_rendering_every_variable_joins_their_values(variables: dict[str, int]) -> None:
    template = ",".join(f"{{{{{k}}}}}" for k in variables)
    assert render(template, variables) == ",".join(str(v) for v in variables.values())


def test_a_template_repeating_a_large_variable_renders_at_most_the_bound() -> None:
    big = "x" * 60_000
    text = render("{{v}}" * 800, {"v": big})  # 48 MB, were it not bounded
    assert 60_000 <= len(text) <= MAX_RENDERED
    assert render("a {{v}} b", {"v": "1"}) == "a 1 b"
