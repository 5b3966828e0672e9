"""What a WhatsApp message template asks of a send, and whether a send gives it (pure).

Meta publishes no algorithm for counting a template's parameters; this follows
`reference/meta-media-templates.md` §2: a TEXT header takes 0 or 1 parameter (one per
distinct placeholder), a media or LOCATION header exactly one, the body one per distinct
placeholder (positional: the highest `{{n}}`; named: each distinct `{{name}}`), a URL button
one when its url has a placeholder and a COPY_CODE button one (the coupon code). Quick
replies and flow buttons take optional parameters, so they are never counted as required.

Analytics uses `requirements` when it synchronises a WABA's templates (listing, broadcast
checks); the sender uses `send_problem` on every template send before the Graph call, so a
send Meta would refuse with 132000 is refused here, with a reason, and costs no call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*|\d+)\s*\}\}")
MEDIA_HEADERS = frozenset({"IMAGE", "VIDEO", "DOCUMENT", "GIF", "LOCATION"})
SENDABLE = "APPROVED"


def normalize_language(code: str) -> str:
    """Meta writes `en-US` in webhooks and `en_US` in the API: one spelling for both."""
    return code.strip().replace("-", "_")


@dataclass(frozen=True)
class Requirements:
    """The parameters a send of one template must carry."""

    header: int = 0  # 0 or 1
    header_format: str | None = None
    body: int = 0
    body_names: tuple[str, ...] = ()  # named templates: the names, in order of appearance
    buttons: tuple[int, ...] = ()  # 0-based indexes of the buttons that take a parameter

    @property
    def total(self) -> int:
        return self.header + self.body + len(self.buttons)

    def to_json(self) -> dict[str, Any]:
        return {
            "header": self.header,
            "header_format": self.header_format,
            "body": self.body,
            "body_names": list(self.body_names),
            "buttons": list(self.buttons),
            "total": self.total,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Requirements:
        return cls(
            header=int(data.get("header") or 0),
            header_format=data.get("header_format"),
            body=int(data.get("body") or 0),
            body_names=tuple(str(n) for n in data.get("body_names") or ()),
            buttons=tuple(int(i) for i in data.get("buttons") or ()),
        )


def _placeholders(text: Any) -> list[str]:
    """Distinct placeholders of `text`, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text if isinstance(text, str) else ""):
        seen.setdefault(match.group(1), None)
    return list(seen)


def _count(names: list[str]) -> int:
    """Positional placeholders count up to the highest `n`; named ones one each."""
    numbers = [int(n) for n in names if n.isdigit()]
    return max(numbers) if numbers and len(numbers) == len(names) else len(names)


def requirements(components: Any) -> Requirements:
    """What a template with these (Graph API) `components` needs at send time."""
    header, header_format, body = 0, None, 0
    names: tuple[str, ...] = ()
    buttons: list[int] = []
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "TEXT")).upper()
            if header_format in MEDIA_HEADERS:
                header = 1
            else:
                header = min(1, len(_placeholders(component.get("text"))))
        elif kind == "BODY":
            found = _placeholders(component.get("text"))
            body = _count(found)
            names = tuple(n for n in found if not n.isdigit())
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                if not isinstance(button, dict):
                    continue
                sub = str(button.get("type", "")).upper()
                if sub == "COPY_CODE" or (sub == "URL" and _placeholders(button.get("url"))):
                    buttons.append(index)
    return Requirements(header, header_format, body, names, tuple(buttons))


@dataclass(frozen=True)
class Given:
    """The parameters one send carries, per component."""

    header: int = 0
    body: int = 0
    body_names: frozenset[str] = frozenset()
    buttons: frozenset[int] = frozenset()


def given(components: Any) -> Given:
    """Count the parameters of a send's `template.components`."""
    header, body, names, buttons = 0, 0, set(), set()
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        params = component.get("parameters")
        params = params if isinstance(params, list) else []
        kind = str(component.get("type", "")).lower()
        if kind == "header":
            header += len(params)
        elif kind == "body":
            body += len(params)
            names |= {
                p["parameter_name"]
                for p in params
                if isinstance(p, dict) and isinstance(p.get("parameter_name"), str)
            }
        elif kind == "button" and params:
            sub = str(component.get("sub_type", "")).lower()
            if sub in ("url", "copy_code"):
                try:
                    buttons.add(int(component.get("index", -1)))
                except (TypeError, ValueError):
                    buttons.add(-1)
    return Given(header, body, frozenset(names), frozenset(buttons))


def mismatch(need: Requirements, sent: Given) -> str | None:
    """Why a send with `sent` does not fit a template needing `need` (Meta's 132000)."""
    if sent.header != need.header:
        return f"the header takes {need.header} parameter(s), the send has {sent.header}"
    if sent.body != need.body:
        return f"the body takes {need.body} parameter(s), the send has {sent.body}"
    if need.body_names and sent.body_names != frozenset(need.body_names):
        missing = sorted(set(need.body_names) - sent.body_names)
        return f"the body's named parameters are {list(need.body_names)}; missing {missing}"
    if sent.buttons != frozenset(need.buttons):
        return (
            f"buttons {sorted(need.buttons)} take a parameter, the send gives "
            f"{sorted(sent.buttons)}"
        )
    return None


def send_problem(
    name: str, language: str, status: str | None, need: Requirements | None, components: Any
) -> str | None:
    """Why a send of template `name`/`language` must not be made, or None: the template is
    unknown (`status` None), not approved, or the parameter counts differ."""
    what = f"template {name} ({language})"
    if status is None or need is None:
        return f"{what} is not among the WABA's synchronised templates"
    if status.upper() != SENDABLE:
        return f"{what} is {status.upper()}, only APPROVED templates can be sent"
    problem = mismatch(need, given(components))
    return f"{what}: {problem}" if problem else None
