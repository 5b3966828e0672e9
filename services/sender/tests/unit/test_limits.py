"""Bodies Meta would refuse are refused before any call, with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_sender.domain.requests import UnsendableError, build_body
from pytake_shared.contracts import Contact, OutboundMessage, SendMessage


def _cmd(**message: Any) -> SendMessage:
    return SendMessage(
        outbound_id="o",
        organization_id="org",
        phone_number_id="1",
        contact=Contact(id="55", wa_id="55"),
        message=OutboundMessage(**message),
    )


def _buttons(*titles: str) -> list[dict[str, str]]:
    return [{"id": f"b{i}", "title": t} for i, t in enumerate(titles)]


def _rows(n: int, **row: Any) -> list[dict[str, Any]]:
    return [{"title": "S", "rows": [{"id": f"r{i}", "title": "Row", **row} for i in range(n)]}]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"kind": "text", "text": "x" * 4097}, "over 4096"),
        ({"kind": "media", "media_type": "image"}, "media id or a link"),
        ({"kind": "media", "media_id": "m", "caption": "c" * 1025}, "caption over 1024"),
        ({"kind": "buttons", "text": "Pick", "buttons": _buttons("a", "b", "c", "d")}, "1 to 3"),
        ({"kind": "buttons", "text": "Pick", "buttons": _buttons("x" * 21)}, "1 to 20 characters"),
        ({"kind": "buttons", "text": "Pick", "buttons": _buttons("Yes", "yes")}, "unique"),
        ({"kind": "buttons", "text": "", "buttons": _buttons("a")}, "empty body"),
        ({"kind": "buttons", "text": "x" * 1025, "buttons": _buttons("a")}, "over 1024"),
        (
            {"kind": "buttons", "text": "Pick", "footer": "f" * 61, "buttons": _buttons("a")},
            "footer over 60",
        ),
        ({"kind": "list", "text": "Pick", "sections": _rows(11)}, "1 to 10 rows"),
        ({"kind": "list", "text": "Pick", "sections": []}, "1 to 10 sections"),
        (
            {"kind": "list", "text": "Pick", "button_text": "b" * 21, "sections": _rows(1)},
            "button text over 20",
        ),
        ({"kind": "list", "text": "Pick", "sections": _rows(1, title="t" * 25)}, "1 to 24"),
        ({"kind": "list", "text": "Pick", "sections": _rows(1, description="d" * 73)}, "over 72"),
        ({"kind": "template", "template_name": ""}, "name and a language"),
        ({"kind": "reaction", "emoji": "👍"}, "message_id"),
    ],
)
def test_a_body_meta_would_refuse_is_unsendable_with_the_reason(
    message: dict[str, Any], reason: str
) -> None:
    with pytest.raises(UnsendableError, match=reason):
        build_body(_cmd(**message))


def test_bodies_within_the_limits_pass() -> None:
    build_body(_cmd(kind="buttons", text="Pick", buttons=_buttons("a" * 20, "b", "c")))
    build_body(_cmd(kind="list", text="Pick", button_text="Menu", sections=_rows(10)))
    build_body(_cmd(kind="text", text="x" * 4096))
