"""Whether a template send fits the template as last synchronised from its WABA (pure).

A number with a `waba_id` has its templates on the config topic (analytics synchronises them
and applies Meta's status webhooks); a send of a template that is unknown there, not APPROVED
(paused, disabled, rejected...) or given the wrong parameters is refused before the Graph call,
since Meta would refuse it for good (132001, 132015/132016, 132000). A number without a
`waba_id` has no synchronised templates: its sends go out unchecked and Meta is the judge.
"""

from __future__ import annotations

from pytake_shared.config import NumberConfig, TemplateConfig
from pytake_shared.contracts import OutboundMessage
from pytake_shared.templates import Requirements, normalize_language, send_problem


def template_language(message: OutboundMessage) -> str:
    return normalize_language(message.language_code or "en_US")


def refusal(
    number: NumberConfig, message: OutboundMessage, template: TemplateConfig | None
) -> str | None:
    """Why this send must not be made (`template` is what the config view holds for it)."""
    if message.kind != "template" or not number.waba_id:
        return None
    return send_problem(
        message.template_name or "",
        template_language(message),
        template.status if template is not None else None,
        Requirements.from_json(template.requirements) if template is not None else None,
        message.components,
    )
