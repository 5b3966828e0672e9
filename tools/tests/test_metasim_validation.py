"""Each of Meta's validation rules answers HTTP 400 with the code Meta uses for it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from pytake_tools.metasim.testing import LocalSimulator

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]
MISSING, NOT_VALID, INVALID = 131008, 131009, 100


def msg(**fields: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": "16505551234", **fields}


def text(body: Any) -> dict[str, Any]:
    return msg(type="text", text={"body": body})


def reply(i: int, title: str | None = None, id_: str | None = None) -> dict[str, Any]:
    return {"type": "reply", "reply": {"id": id_ or f"id{i}", "title": title or f"t{i}"}}


def buttons(*items: Any, **interactive: Any) -> dict[str, Any]:
    return msg(
        type="interactive",
        interactive={
            "type": "button",
            "body": {"text": "Choose"},
            "action": {"buttons": list(items)},
            **interactive,
        },
    )


def row(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"r{i}", "title": f"row {i}", **fields}


def listing(*sections: Any, button: Any = "Open", **interactive: Any) -> dict[str, Any]:
    return msg(
        type="interactive",
        interactive={
            "type": "list",
            "body": {"text": "Menu"},
            "action": {"button": button, "sections": list(sections)},
            **interactive,
        },
    )


def media(kind: str, payload: Any) -> dict[str, Any]:
    return msg(type=kind, **{kind: payload})


CASES: list[tuple[str, Any, int, str]] = [
    # (name, body, code, fragment of error_data.details)
    ("body is an array", [1, 2], INVALID, "JSON object"),
    ("no messaging_product", {"to": "1", "text": {"body": "x"}}, MISSING, "messaging_product"),
    ("wrong messaging_product", {**text("x"), "messaging_product": "sms"}, INVALID, "whatsapp"),
    ("no recipient", {"messaging_product": "whatsapp", "text": {"body": "x"}}, MISSING, "to"),
    ("to is a number", {**text("x"), "to": 16505551234}, INVALID, "to"),
    ("to is not a phone", {**text("x"), "to": "call me"}, INVALID, "to"),
    ("bad recipient_type", {**text("x"), "recipient_type": "all"}, INVALID, "recipient_type"),
    ("unknown type", msg(type="fax", fax={}), INVALID, "type"),
    ("type object absent", msg(type="image"), MISSING, "image"),
    ("type object not an object", msg(type="text", text="hi"), INVALID, "text"),
    ("text body absent", msg(type="text", text={}), MISSING, "text['body']"),
    ("text body empty", text(""), MISSING, "text['body']"),
    ("text body too long", text("x" * 4097), INVALID, "4096"),
    ("text body not a string", text(42), INVALID, "text['body']"),
    ("preview_url not a bool", msg(text={"body": "x", "preview_url": "yes"}), INVALID, "preview"),
    ("context without id", {**text("x"), "context": {}}, MISSING, "context['message_id']"),
    ("opaque data too long", {**text("x"), "biz_opaque_callback_data": "x" * 513}, INVALID, "512"),
    ("media without id or link", media("image", {"caption": "x"}), MISSING, "image['id']"),
    ("media link not http", media("video", {"link": "ftp://x/v.mp4"}), INVALID, "link"),
    ("caption too long", media("document", {"id": "1", "caption": "c" * 1025}), INVALID, "1024"),
    ("location absent latitude", media("location", {"longitude": 1}), MISSING, "latitude"),
    ("location out of range", media("location", {"latitude": 91, "longitude": 0}), INVALID, "90"),
    ("location not a number", media("location", {"latitude": "n", "longitude": 0}), INVALID, "num"),
    ("contacts not an array", msg(type="contacts", contacts={}), INVALID, "contacts"),
    ("contacts empty", msg(type="contacts", contacts=[]), INVALID, "at least one"),
    ("contact without name", msg(type="contacts", contacts=[{"phones": []}]), MISSING, "name"),
    ("template without name", media("template", {"language": {"code": "en"}}), MISSING, "name"),
    ("template without language", media("template", {"name": "t"}), MISSING, "language"),
    (
        "template language without code",
        media("template", {"name": "t", "language": {"policy": "deterministic"}}),
        MISSING,
        "template['language']['code']",
    ),
    ("reaction without message_id", media("reaction", {"emoji": "x"}), MISSING, "message_id"),
    ("interactive type absent", media("interactive", {"action": {}}), MISSING, "type"),
    ("interactive type unknown", media("interactive", {"type": "carousel"}), INVALID, "type"),
    ("interactive without action", media("interactive", {"type": "button"}), MISSING, "action"),
    ("no buttons", buttons(), NOT_VALID, "buttons count"),
    ("four buttons", buttons(*(reply(i) for i in range(4))), NOT_VALID, "buttons count"),
    ("button title too long", buttons(reply(0, title="x" * 21)), NOT_VALID, "Max length: 20"),
    ("button title absent", buttons({"type": "reply", "reply": {"id": "a"}}), MISSING, "title"),
    ("button id too long", buttons(reply(0, id_="i" * 257)), INVALID, "256"),
    ("button titles repeated", buttons(reply(0, "Same"), reply(1, "Same")), NOT_VALID, "unique"),
    ("button ids repeated", buttons(reply(0, id_="a"), reply(1, id_="a")), NOT_VALID, "unique"),
    ("button type not reply", buttons({"type": "url", "reply": {}}), INVALID, "type"),
    ("button body absent", buttons(reply(0), body=None), MISSING, "interactive['body']"),
    ("button body too long", buttons(reply(0), body={"text": "b" * 1025}), INVALID, "1024"),
    ("footer too long", buttons(reply(0), footer={"text": "f" * 61}), INVALID, "60"),
    ("header type unknown", buttons(reply(0), header={"type": "audio"}), INVALID, "header"),
    (
        "header text too long",
        buttons(reply(0), header={"type": "text", "text": "h" * 61}),
        100,
        "60",
    ),
    ("list button absent", listing({"rows": [row(0)]}, button=None), MISSING, "button"),
    ("list button too long", listing({"rows": [row(0)]}, button="b" * 21), INVALID, "20"),
    ("list without sections", listing(), NOT_VALID, "sections count"),
    (
        "eleven sections",
        listing(*({"title": f"s{i}", "rows": [row(i)]} for i in range(11))),
        NOT_VALID,
        "sections count",
    ),
    ("eleven rows", listing({"rows": [row(i) for i in range(11)]}), NOT_VALID, "row count"),
    (
        "eleven rows across sections",
        listing(
            {"title": "a", "rows": [row(i) for i in range(6)]},
            {"title": "b", "rows": [row(i + 6) for i in range(5)]},
        ),
        NOT_VALID,
        "row count",
    ),
    ("section without rows", listing({"rows": []}), NOT_VALID, "at least one row"),
    ("section title too long", listing({"title": "s" * 25, "rows": [row(0)]}), INVALID, "24"),
    (
        "section titles required when several",
        listing({"rows": [row(0)]}, {"rows": [row(1)]}),
        MISSING,
        "title",
    ),
    ("row title too long", listing({"rows": [row(0, title="t" * 25)]}), INVALID, "24"),
    ("row id too long", listing({"rows": [row(0, id="i" * 201)]}), INVALID, "200"),
    ("row description too long", listing({"rows": [row(0, description="d" * 73)]}), INVALID, "72"),
    ("row ids repeated", listing({"rows": [row(0), row(0)]}), NOT_VALID, "unique"),
    ("list body too long", listing({"rows": [row(0)]}, body={"text": "b" * 4097}), INVALID, "4096"),
    (
        "list header not text",
        listing({"rows": [row(0)]}, header={"type": "image"}),
        INVALID,
        "header",
    ),
]


@pytest.mark.parametrize(
    ("body", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_invalid_request_is_answered_with_metas_code(
    make_sim: SimFactory, body: Any, code: int, fragment: str
) -> None:
    async with make_sim() as sim:
        response = await sim.send(body)
        [record] = sim.state.records()
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"].startswith(f"(#{code}) ")
    assert fragment in error["error_data"]["details"], error
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert record.status == 400 and record.wamid is None


async def test_limits_are_inclusive(make_sim: SimFactory) -> None:
    at_limit = [
        text("x" * 4096),
        buttons(reply(0, title="x" * 20, id_="i" * 256), body={"text": "b" * 1024}),
        listing({"rows": [row(i) for i in range(10)]}, button="b" * 20),
        listing(
            {
                "title": "s" * 24,
                "rows": [row(0, title="t" * 24, description="d" * 72, id="i" * 200)],
            }
        ),
        media("image", {"id": "1", "caption": "c" * 1024}),
    ]
    async with make_sim(check_media_ids=False) as sim:  # made-up ids: the limits alone
        for body in at_limit:
            response = await sim.send(body)
            assert response.status_code == 200, response.json()
