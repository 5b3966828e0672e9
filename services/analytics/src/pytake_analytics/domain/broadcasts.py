"""Broadcasts, the pure parts: reading a recipient list, building each send's template
parameters, pacing the dispatch and tallying the outcomes.

A recipient gives its phone and its parameters: `body` (a list for `{{1}}..{{n}}`, a mapping
for named templates), `header` (the text, or a media link) and `buttons` (index → the URL's
variable or the coupon code). A CSV has a header row: `phone` (or `wa_id`, `to`), `header`,
`button.<index>`, and every other column a body parameter (`1`, `2`... or a name). Every
recipient is checked against the synchronised template when the broadcast is created, so a
list that cannot be sent is refused whole (422, with the line of each problem) rather than
failing contact by contact.

Pacing: the runner publishes a number's broadcast sends at `share` of the number's rate
(`messages_per_second`, Meta's tier), so the sender — which paces the number at its whole
rate — always has the rest for conversations' replies, and a campaign never queues in front
of them. The bucket's burst is short (`BURST_S`), so no second holds more than
`rate * (1 + BURST_S)`: with the default share 0.8 that is at most the tier itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pytake_analytics.domain.deliveries import status_of
from pytake_shared.templates import Requirements

BURST_S = 0.25
PHONE_COLUMNS = ("phone", "wa_id", "to", "number")
MAX_ERRORS = 20


class BadRecipients(ValueError):
    """The list cannot be sent as given: one line per problem (the first `MAX_ERRORS`)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:MAX_ERRORS]))
        self.problems = problems[:MAX_ERRORS]


@dataclass(frozen=True)
class Recipient:
    phone: str
    body: list[str] | dict[str, str] = field(default_factory=list)
    header: str | None = None
    buttons: dict[int, str] = field(default_factory=dict)


def wa_id(phone: str) -> str | None:
    """The digits of a phone number as WhatsApp ids are written, or None when it is not one."""
    digits = "".join(ch for ch in phone if ch.isascii() and ch.isdigit())
    cleaned = phone.strip().lstrip("+").replace(" ", "").replace("-", "")
    cleaned = cleaned.replace("(", "").replace(")", "").replace(".", "")
    return digits if cleaned == digits and 7 <= len(digits) <= 15 else None


def parse_csv(text: str) -> list[Recipient]:
    """Recipients from a CSV with a header row (see the module's docstring)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip() for c in reader.fieldnames or []]
    phone_column = next((c for c in columns if c.lower() in PHONE_COLUMNS), None)
    if phone_column is None:
        raise BadRecipients([f"line 1: no phone column (one of {', '.join(PHONE_COLUMNS)})"])
    out: list[Recipient] = []
    for row in reader:
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        positional: dict[int, str] = {}
        named: dict[str, str] = {}
        header: str | None = None
        buttons: dict[int, str] = {}
        for column, value in values.items():
            lowered = column.lower()
            if column == phone_column or not column:
                continue
            if lowered == "header":
                header = value or None
            elif lowered.startswith(("button.", "button_")) and lowered[7:].isdigit():
                buttons[int(lowered[7:])] = value
            elif column.removeprefix("body.").isdigit():
                positional[int(column.removeprefix("body."))] = value
            else:
                named[column.removeprefix("body.")] = value
        body: list[str] | dict[str, str] = (
            named if named else [positional[i] for i in sorted(positional)]
        )
        out.append(Recipient(values.get(phone_column, ""), body, header, buttons))
    return out


def _button_kind(components: list[dict[str, Any]], index: int) -> str:
    for component in components:
        if str(component.get("type", "")).upper() == "BUTTONS":
            buttons = component.get("buttons") or []
            if 0 <= index < len(buttons) and isinstance(buttons[index], dict):
                return str(buttons[index].get("type", "URL")).upper()
    return "URL"


def _header(need: Requirements, value: str | None) -> dict[str, Any]:
    if not value:
        raise ValueError("the header takes a parameter")
    kind = (need.header_format or "TEXT").upper()
    if kind == "TEXT":
        return {"type": "text", "text": value}
    if kind in ("IMAGE", "VIDEO", "DOCUMENT", "GIF"):
        if not value.startswith("https://"):
            raise ValueError(f"the {kind.lower()} header takes an https:// link")
        media = "video" if kind == "GIF" else kind.lower()
        return {"type": media, media: {"link": value}}
    raise ValueError(f"a {kind} header cannot be given in a recipient list")


def _body(need: Requirements, given: list[str] | dict[str, str]) -> list[dict[str, Any]]:
    if need.body_names:
        if not isinstance(given, dict):
            raise ValueError(f"the body takes named parameters {list(need.body_names)}")
        extra = sorted(set(given) - set(need.body_names))
        missing = [n for n in need.body_names if not given.get(n)]
        if extra or missing:
            raise ValueError(f"body parameters: missing {missing}, not in the template {extra}")
        return [{"type": "text", "parameter_name": n, "text": given[n]} for n in need.body_names]
    values = list(given.values()) if isinstance(given, dict) else list(given)
    if isinstance(given, dict) and given:
        raise ValueError(f"the body takes {need.body} positional parameter(s), not names")
    if len(values) != need.body or not all(values):
        raise ValueError(f"the body takes {need.body} parameter(s), {len(values)} given")
    return [{"type": "text", "text": v} for v in values]


def components_for(
    need: Requirements, template_components: list[dict[str, Any]], r: Recipient
) -> list[dict[str, Any]]:
    """The send's `template.components` for one recipient; ValueError says what is wrong."""
    out: list[dict[str, Any]] = []
    if need.header:
        out.append({"type": "header", "parameters": [_header(need, r.header)]})
    elif r.header:
        raise ValueError("the template's header takes no parameter")
    if need.body or r.body:
        out.append({"type": "body", "parameters": _body(need, r.body)})
    extra = sorted(set(r.buttons) - set(need.buttons))
    if extra:
        raise ValueError(f"buttons {extra} take no parameter")
    for index in need.buttons:
        value = r.buttons.get(index)
        if not value:
            raise ValueError(f"button {index} takes a parameter")
        if _button_kind(template_components, index) == "COPY_CODE":
            params = [{"type": "coupon_code", "coupon_code": value}]
            sub = "copy_code"
        else:
            params, sub = [{"type": "text", "text": value}], "url"
        out.append({"type": "button", "sub_type": sub, "index": str(index), "parameters": params})
    return out


@dataclass(frozen=True)
class Planned:
    wa_id: str
    components: list[dict[str, Any]]


def plan(
    need: Requirements, template_components: list[dict[str, Any]], recipients: Iterable[Recipient]
) -> tuple[list[Planned], int]:
    """Every recipient's send, in list order, and how many repeated an earlier phone (kept
    once); `BadRecipients` when any cannot be sent."""
    seen: set[str] = set()
    out: list[Planned] = []
    problems: list[str] = []
    repeats = 0
    for line, r in enumerate(recipients, start=1):
        contact = wa_id(r.phone)
        if contact is None:
            problems.append(f"recipient {line}: {r.phone[:40]!r} is not a phone number")
            continue
        try:
            components = components_for(need, template_components, r)
        except ValueError as exc:
            problems.append(f"recipient {line}: {exc}")
            continue
        if contact in seen:
            repeats += 1
            continue
        seen.add(contact)
        out.append(Planned(contact, components))
    if problems:
        raise BadRecipients(problems)
    return out, repeats


def broadcast_rate(mps: float, share: float) -> float:
    """Messages a second the broadcasts of a number may use: a share of its tier."""
    return max(1.0, mps * share)


@dataclass
class Pacer:
    """Token buckets per number: how many sends the runner may publish now."""

    burst_s: float = BURST_S
    _tokens: dict[str, tuple[float, float]] = field(default_factory=dict)

    def grant(self, key: str, now: float, rate: float, want: int) -> int:
        burst = max(1.0, rate * self.burst_s)
        tokens, last = self._tokens.get(key, (burst, now))
        tokens = min(burst, tokens + max(0.0, now - last) * rate)
        granted = min(want, int(tokens))
        self._tokens[key] = (tokens - granted, now)
        return granted

    def refund(self, key: str, unused: int) -> None:
        """Give back what was granted but not sent (nothing left to send, a pause)."""
        if unused > 0 and key in self._tokens:
            tokens, last = self._tokens[key]
            self._tokens[key] = (tokens + unused, last)


OUTCOMES = ("pending", "queued", "accepted", "delivered", "read", "failed", "skipped")


def outcome(state: str, delivery: dict[str, Any]) -> str:
    """One recipient's outcome: its state until its send was published, then how far the
    send got (`deliveries.status_of`: failed, read, delivered, sent, accepted, ...)."""
    return state if state != "queued" else status_of(delivery)


def tally(groups: Iterator[tuple[str, dict[str, Any], int]] | list[Any]) -> dict[str, int]:
    """Counts for a broadcast from (state, delivery flags, count) groups. `accepted` counts
    every send Meta took (sent, delivered and read included), `delivered` those delivered or
    read; accepted + failed + skipped = total once every outcome is in."""
    counts = dict.fromkeys((*OUTCOMES, "sent", "cancelled", "indefinite"), 0)
    for state, delivery, n in groups:
        got = outcome(state, delivery)
        if got in ("accepted", "sent", "delivered", "read"):
            counts["accepted"] += n
        if got in ("delivered", "read"):
            counts["delivered"] += n
        if got == "read":
            counts["read"] += n
        if got == "sent":
            counts["sent"] += n
        if got in ("failed", "skipped", "pending", "cancelled", "indefinite"):
            counts[got] += n
        if got in ("queued", "retrying"):
            counts["queued"] += n
    return counts
