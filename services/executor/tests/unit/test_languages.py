"""The texts the engine writes itself come in the flow's language, else the organization's,
and a flow can replace each of them."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.engine.flow import load_flow
from pytake_shared.flowdoc import texts

from .documents import chain, node


def _number_question(**document: Any) -> dict[str, Any]:
    flow = chain(
        node("start", "start"),
        node("age", "question", content="Idade?", variableName="age", responseType="number"),
        node("h", "handoff"),
    )
    return {**flow, **document}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pt-BR", "Por favor, envie um número."),
        ("pt", "Por favor, envie um número."),
        ("es-MX", "Por favor, envía un número."),
        ("en", "Please send a number."),
        ("klingon", "Please send a number."),
    ],
)
def test_an_invalid_answer_is_told_in_the_flows_language(
    chat: Any, language: str, expected: str
) -> None:
    c = chat(_number_question(language=language))
    c.say()
    assert c.say("not a number").texts == [expected]


def test_a_flow_without_a_language_takes_the_organizations() -> None:
    flow = load_flow("f", 1, "F", _number_question(), organization_language="pt-BR")
    assert flow.language == "pt-BR"
    assert flow.text("transfer_message") == "Um atendente vai falar com você em instantes."
    own = load_flow("f", 1, "F", _number_question(language="es"), organization_language="pt-BR")
    assert own.language == "es"


def test_a_flow_replaces_any_text_and_the_handoff_has_a_default_transfer_message(
    chat: Any,
) -> None:
    document = _number_question(language="pt-BR", texts={"answer_number": "Só números, por favor!"})
    c = chat(document)
    c.say()
    assert c.say("x").texts == ["Só números, por favor!"]
    assert c.say("42").texts == ["Um atendente vai falar com você em instantes."]


def test_every_language_has_every_text() -> None:
    for language in texts.LANGUAGES:
        assert set(texts.CATALOG[language]) == texts.KEYS, language
