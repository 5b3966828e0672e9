"""A template send is checked against the synchronised template before any Graph call."""

from __future__ import annotations

from pytake_sender.domain.templates import refusal
from pytake_shared.config import NumberConfig, TemplateConfig
from pytake_shared.contracts import OutboundMessage
from pytake_shared.templates import requirements

NUMBER = NumberConfig(id="n", organization_id="o", phone_number_id="1", waba_id="9")
NEED = requirements([{"type": "BODY", "text": "Hi {{1}}"}]).to_json()


def _template(status: str = "APPROVED") -> TemplateConfig:
    return TemplateConfig(
        id="o:9:hi:en_US",
        organization_id="o",
        waba_id="9",
        name="hi",
        language="en_US",
        status=status,
        requirements=NEED,
    )


def _send(params: int = 1, language: str = "en-US") -> OutboundMessage:
    body = [{"type": "body", "parameters": [{"type": "text", "text": "x"}] * params}]
    return OutboundMessage(
        kind="template", template_name="hi", language_code=language, components=body
    )


def test_an_approved_template_with_its_parameters_goes() -> None:
    assert refusal(NUMBER, _send(), _template()) is None


def test_unknown_unapproved_or_miscounted_templates_are_refused_with_a_reason() -> None:
    assert "not among" in (refusal(NUMBER, _send(), None) or "")
    assert "DISABLED" in (refusal(NUMBER, _send(), _template("DISABLED")) or "")
    assert "takes 1 parameter(s), the send has 2" in (refusal(NUMBER, _send(2), _template()) or "")


def test_numbers_without_a_waba_and_other_kinds_are_not_checked() -> None:
    plain = NumberConfig(id="n", organization_id="o", phone_number_id="1")
    assert refusal(plain, _send(), None) is None
    assert refusal(NUMBER, OutboundMessage(kind="text", text="hi"), None) is None
