"""Message templates as analytics keeps them: from Meta's list, and Meta's webhooks (pure).

`from_graph` turns one object of `GET /{waba-id}/message_templates` into a row; `change_of`
reads a `message_template_status_update` or `template_category_update` webhook (a
`field_received` item of wa.inbound.v1) into the change it makes. Meta's template ids are
strings in the API and integers in webhooks; languages are `en_US` in one and `en-US` in
the other; events come in either case: all are normalised here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pytake_shared.templates import normalize_language, requirements

STATUS_FIELD = "message_template_status_update"
CATEGORY_FIELD = "template_category_update"
FIELDS = frozenset({STATUS_FIELD, CATEGORY_FIELD})
# Events that are not themselves a status: what the template's status becomes.
_EVENT_STATUS = {"REINSTATED": "APPROVED", "UNARCHIVED": "APPROVED", "UNPAUSE": "APPROVED"}
_NOT_A_STATUS = frozenset({"FLAGGED"})  # a quality warning: the status stays


class NotATemplate(ValueError):
    """An object or webhook value that does not describe a template."""


@dataclass(frozen=True)
class TemplateRow:
    meta_id: str
    name: str
    language: str
    status: str
    category: str
    parameter_format: str
    components: list[dict[str, Any]]
    requirements: dict[str, Any]


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise NotATemplate(f"{what} missing or not a string")
    return str(value)


def from_graph(obj: Any) -> TemplateRow:
    if not isinstance(obj, dict):
        raise NotATemplate("a template is an object")
    components = obj.get("components")
    components = (
        [c for c in components if isinstance(c, dict)] if isinstance(components, list) else []
    )
    return TemplateRow(
        meta_id=_text(obj.get("id"), "id"),
        name=_text(obj.get("name"), "name"),
        language=normalize_language(_text(obj.get("language"), "language")),
        status=_text(obj.get("status"), "status").upper(),
        category=str(obj.get("category") or "").upper(),
        parameter_format=str(obj.get("parameter_format") or "POSITIONAL").upper(),
        components=components,
        requirements=requirements(components).to_json(),
    )


@dataclass(frozen=True)
class TemplateChange:
    """What one webhook changes: the status, the category, or both stay None."""

    waba_id: str
    meta_id: str
    name: str
    language: str
    at: datetime
    status: str | None = None
    category: str | None = None
    reason: str | None = None


def change_of(field: str, waba_id: str | None, value: Any, at: datetime) -> TemplateChange:
    if field not in FIELDS or not waba_id or not isinstance(value, dict):
        raise NotATemplate(f"not a template webhook: {field}")
    base = TemplateChange(
        waba_id=waba_id,
        meta_id=_text(value.get("message_template_id"), "message_template_id"),
        name=str(value.get("message_template_name") or ""),
        language=normalize_language(str(value.get("message_template_language") or "")),
        at=at,
    )
    if field == CATEGORY_FIELD:
        # An impending change names the category that stays (`new_category` = the current
        # one, with `correct_category`); a completed one has `previous_category`.
        category = value.get("new_category")
        return replace(base, category=str(category).upper() if category else None)
    event = _text(value.get("event"), "event").upper()
    status = None if event in _NOT_A_STATUS else _EVENT_STATUS.get(event, event)
    reason = value.get("reason")
    category = value.get("message_template_category")
    return replace(
        base,
        status=status,
        reason=str(reason) if reason is not None else None,
        category=str(category).upper() if category else None,
    )
