"""The simulator's message templates: per WABA, listed with Meta's cursors, checked at send.

`TemplateStore` holds what `POST /_sim/templates` created (status PENDING unless told) and
what `PATCH /_sim/templates/{id}` changed (status, category); every change is also a
`message_template_status_update` / `template_category_update` webhook (`webhooks.py`). The
Graph endpoint `GET /{waba-id}/message_templates` pages them (`limit`, `after`, `fields`,
`status`, `name`, `language`), with opaque cursors and a `next` link while more remain.

A template send is checked the way Meta does, once the number's WABA has templates here (a
simulator told of none accepts any name, as before templates existed): unknown name or
language, or not approved → 132001; PAUSED → 132015; DISABLED → 132016; a parameter count
that differs from the template's → 132000. The counts come from the template's own
`example` values where it has them (what Meta checks a creation against), else from its
placeholders.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytake_shared.templates import Requirements, given, mismatch, requirements
from pytake_tools.metasim.errors import MetaError, invalid

STATUSES = frozenset(
    {"APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "ARCHIVED", "DELETED"}
)
CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
FIELDS = ("name", "parameter_format", "components", "language", "status", "category", "id")


@dataclass
class SimTemplate:
    id: str
    waba_id: str
    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    parameter_format: str = "POSITIONAL"
    status: str = "PENDING"
    history: list[str] = field(default_factory=list)

    def to_json(self, fields: tuple[str, ...] = FIELDS) -> dict[str, Any]:
        full = {
            "name": self.name,
            "parameter_format": self.parameter_format,
            "components": self.components,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "id": self.id,
        }
        return {k: full[k] for k in (*fields, "id") if k in full}

    def needs(self) -> Requirements:
        """What a send must carry: the examples' counts, else the placeholders'."""
        counted = requirements(self.components)
        body = counted.body
        for component in self.components:
            if str(component.get("type", "")).upper() != "BODY":
                continue
            example = component.get("example") or {}
            if isinstance(example.get("body_text"), list) and example["body_text"]:
                body = len(example["body_text"][0])
            elif isinstance(example.get("body_text_named_params"), list):
                body = len(example["body_text_named_params"])
        return Requirements(
            counted.header, counted.header_format, body, counted.body_names, counted.buttons
        )


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"cursor:{index}".encode()).decode().rstrip("=")


def _position(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(raw.removeprefix("cursor:"))
    except (ValueError, UnicodeDecodeError):
        raise invalid("Param after is not a valid cursor.") from None


class TemplateStore:
    def __init__(self, default_waba_id: str) -> None:
        self._default_waba_id = default_waba_id
        self._templates: dict[str, SimTemplate] = {}  # by id, in creation order
        self._ids = itertools.count(1689556908129000)
        self.numbers: dict[str, str] = {}  # phone_number_id → waba_id (else the default)

    def waba_of(self, phone_number_id: str) -> str:
        return self.numbers.get(phone_number_id, self._default_waba_id)

    def get(self, template_id: str) -> SimTemplate | None:
        return self._templates.get(template_id)

    def of_waba(self, waba_id: str) -> list[SimTemplate]:
        return [t for t in self._templates.values() if t.waba_id == waba_id]

    def create(
        self,
        waba_id: str,
        name: str,
        language: str,
        category: str,
        components: list[dict[str, Any]],
        *,
        parameter_format: str = "POSITIONAL",
        status: str = "PENDING",
    ) -> SimTemplate:
        if any(t.name == name and t.language == language for t in self.of_waba(waba_id)):
            raise MetaError(
                100,
                f"Content in this language already exists for template {name}.",
                subcode=2388024,
            )
        template = SimTemplate(
            id=str(next(self._ids)),
            waba_id=waba_id,
            name=name,
            language=language,
            category=category.upper(),
            components=components,
            parameter_format=parameter_format.upper(),
            status=status.upper(),
        )
        self._templates[template.id] = template
        return template

    def page(
        self,
        waba_id: str,
        *,
        limit: int,
        after: str | None,
        status: str | None = None,
        name: str | None = None,
        language: str | None = None,
        fields: tuple[str, ...] = FIELDS,
        link: Callable[[str], str],
    ) -> dict[str, Any]:
        """One page of `GET /{waba-id}/message_templates`, in Meta's shape."""
        found = [
            t
            for t in self.of_waba(waba_id)
            if (status is None or t.status == status.upper())
            and (name is None or name in t.name)
            and (language is None or t.language == language)
        ]
        start = _position(after) + 1 if after else 0
        chunk = found[start : start + limit]
        body: dict[str, Any] = {"data": [t.to_json(fields) for t in chunk]}
        if chunk:
            last = start + len(chunk) - 1
            body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(last)}}
            if last + 1 < len(found):
                body["paging"]["next"] = link(_cursor(last))
        return body

    def check_send(self, phone_number_id: str, template: dict[str, Any]) -> None:
        """Refuse a template send as Meta would (the body's shape is already validated)."""
        known = self.of_waba(self.waba_of(phone_number_id))
        if not known:
            return
        name = template.get("name")
        language = (template.get("language") or {}).get("code")
        match = next((t for t in known if t.name == name and t.language == language), None)
        if match is None or match.status not in ("APPROVED", "PAUSED", "DISABLED"):
            raise MetaError(
                132001,
                f"template name ({name}) does not exist in {language}",
            )
        if match.status == "PAUSED":
            raise MetaError(132015, f"Template {name} is paused due to low quality.")
        if match.status == "DISABLED":
            raise MetaError(132016, f"Template {name} has been disabled due to low quality.")
        problem = mismatch(match.needs(), given(template.get("components")))
        if problem is not None:
            raise MetaError(132000, f"body: number of localizable_params does not match: {problem}")
