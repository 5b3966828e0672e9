"""The send endpoint answers valid messages, tokens and read receipts the way Meta does."""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from pytake_tools.metasim.testing import LocalSimulator, json_shape, text_message

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]
Loader = Callable[[str], Any]
SEND_URL = "/v25.0/106540352242922/messages"
AUTH = {"Authorization": "Bearer test-token"}

VALID_BODIES: dict[str, dict[str, Any]] = {
    "image by id": {"type": "image", "image": {"id": "1234", "caption": "look"}},
    "video by link": {"type": "video", "video": {"link": "https://example.com/v.mp4"}},
    "audio": {"type": "audio", "audio": {"id": "55"}},
    "document": {
        "type": "document",
        "document": {"link": "https://example.com/a.pdf", "filename": "a.pdf", "caption": "x"},
    },
    "sticker": {"type": "sticker", "sticker": {"id": "9"}},
    "location": {
        "type": "location",
        "location": {"latitude": "-23.5", "longitude": -46.6, "name": "SP", "address": "Av"},
    },
    "contacts": {
        "type": "contacts",
        "contacts": [{"name": {"formatted_name": "Ada L", "first_name": "Ada"}, "phones": []}],
    },
    "reply buttons": {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "header": {"type": "image", "image": {"id": "77"}},
            "body": {"text": "Pick one"},
            "footer": {"text": "f"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "a", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "b", "title": "No"}},
                    {"type": "reply", "reply": {"id": "c", "title": "x" * 20}},
                ]
            },
        },
    },
    "list": {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "header": {"type": "text", "text": "Menu"},
            "body": {"text": "Choose"},
            "action": {
                "button": "Options",
                "sections": [
                    {"title": "A", "rows": [{"id": f"a{i}", "title": "t"} for i in range(5)]},
                    {
                        "title": "B",
                        "rows": [
                            {"id": f"b{i}", "title": "t", "description": "d"} for i in range(5)
                        ],
                    },
                ],
            },
        },
    },
    "template": {
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "en_US", "policy": "deterministic"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ada"}]}],
        },
    },
    "reaction": {"type": "reaction", "reaction": {"message_id": "wamid.abc", "emoji": ""}},
    "reply with context": {
        "type": "text",
        "text": {"body": "quoted", "preview_url": True},
        "context": {"message_id": "wamid.quoted"},
        "biz_opaque_callback_data": "trace-1",
    },
    "type defaults to text": {"text": {"body": "no type"}},
}


async def test_valid_text_send_is_answered_like_meta(
    make_sim: SimFactory, load_fixture: Loader
) -> None:
    async with make_sim() as sim:
        response = await sim.send(text_message(to="+1 (650) 555-1234"))
    assert response.status_code == 200
    body = response.json()
    assert json_shape(body) == json_shape(load_fixture("send_message_success.json"))
    assert body["contacts"] == [{"input": "+1 (650) 555-1234", "wa_id": "16505551234"}]
    wamid = body["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    # Like Meta's, the id is base64 of a record that carries the recipient's number.
    assert b"16505551234" in base64.b64decode(wamid.removeprefix("wamid."))


async def test_every_accepted_send_gets_a_new_wamid(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        responses = [await sim.send(text_message()) for _ in range(20)]
    wamids = {r.json()["messages"][0]["id"] for r in responses}
    assert len(wamids) == 20


@pytest.mark.parametrize("name", sorted(VALID_BODIES))
async def test_each_message_type_is_accepted_when_valid(make_sim: SimFactory, name: str) -> None:
    body = {"messaging_product": "whatsapp", "to": "16505551234", **VALID_BODIES[name]}
    async with make_sim(check_media_ids=False) as sim:  # the shapes; media ids: see below
        response = await sim.send(body)
    assert response.status_code == 200, response.json()


async def test_a_media_id_the_number_never_uploaded_is_refused_with_131053(
    make_sim: SimFactory,
) -> None:
    body = {"messaging_product": "whatsapp", "to": "16505551234", **VALID_BODIES["audio"]}
    async with make_sim() as sim:
        response = await sim.send(body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 131053


async def test_business_scoped_user_id_is_accepted_as_recipient(make_sim: SimFactory) -> None:
    body = {
        "messaging_product": "whatsapp",
        "recipient": "US.13491208655302741918",
        "type": "text",
        "text": {"body": "hi"},
    }
    async with make_sim() as sim:
        response = await sim.send(body)
    assert response.status_code == 200
    assert response.json()["contacts"] == [
        {"input": "US.13491208655302741918", "user_id": "US.13491208655302741918"}
    ]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}, {"Authorization": "x"}],
    ids=["missing", "basic", "empty bearer", "no scheme"],
)
async def test_missing_or_malformed_token_is_401_code_190(
    make_sim: SimFactory, headers: dict[str, str]
) -> None:
    async with make_sim() as sim:
        response = await sim.client.post(SEND_URL, json=text_message(), headers=headers)
        [record] = sim.state.records()
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 190
    assert error["type"] == "OAuthException"
    assert error["message"].startswith("Invalid OAuth access token")
    assert error["fbtrace_id"]
    assert record.status == 401 and record.wamid is None


async def test_only_configured_tokens_are_accepted_when_a_list_is_set(
    make_sim: SimFactory,
) -> None:
    async with make_sim(access_tokens="good,other") as sim:
        good = await sim.send(text_message(), token="other")
        bad = await sim.send(text_message(), token="test-token")
    assert good.status_code == 200
    assert bad.status_code == 401 and bad.json()["error"]["code"] == 190


async def test_a_path_without_a_graph_version_is_refused(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        response = await sim.client.post(
            "/latest/106540352242922/messages", json=text_message(), headers=AUTH
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2500


async def test_a_phone_number_id_that_is_not_numeric_is_refused(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        response = await sim.client.post("/v25.0/abc/messages", json=text_message(), headers=AUTH)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100 and error["error_subcode"] == 33


async def test_mark_as_read_answers_success_and_sends_no_status(
    make_sim: SimFactory, load_fixture: Loader
) -> None:
    body = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.HBgLMTY"}
    async with make_sim(webhook_url="http://receiver/hook", status_delays_ms="0") as sim:
        plain = await sim.send(body)
        typing = await sim.send({**body, "typing_indicator": {"type": "text"}})
        assert sim.webhooks.pending == 0
        records = sim.state.records()
    assert plain.status_code == typing.status_code == 200
    assert plain.json() == typing.json() == load_fixture("mark_as_read_success.json")
    assert [r.type for r in records] == ["read", "read"]
    assert all(r.wamid is None for r in records)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"status": "read"}, 131008),
        ({"status": "read", "message_id": "not-a-wamid"}, 131009),
        ({"status": "delivered", "message_id": "wamid.x"}, 100),
        ({"status": "read", "message_id": "wamid.x", "typing_indicator": {"type": "x"}}, 100),
        ({"status": "read", "message_id": "wamid.x", "typing_indicator": "text"}, 100),
    ],
)
async def test_bad_mark_as_read_is_refused(
    make_sim: SimFactory, body: dict[str, Any], code: int
) -> None:
    async with make_sim() as sim:
        response = await sim.send({"messaging_product": "whatsapp", **body})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("raw", [b"", b"not json", b"{", b"\xff\xfe", b'{"a": NaN}'])
async def test_a_body_that_is_not_json_is_code_100(make_sim: SimFactory, raw: bytes) -> None:
    async with make_sim() as sim:
        response = await sim.client.post(
            SEND_URL, content=raw, headers={**AUTH, "Content-Type": "application/json"}
        )
        [record] = sim.state.records()
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert error["error_data"]["details"] == "Request body is not valid JSON."
    assert isinstance(record.body, str)  # kept as text so it can still be inspected


async def test_error_bodies_have_metas_shape(make_sim: SimFactory, load_fixture: Loader) -> None:
    async with make_sim() as sim:
        response = await sim.send({"messaging_product": "whatsapp", "to": "1", "type": "fax"})
    assert json_shape(response.json()) == json_shape(
        load_fixture("error_100_invalid_parameter_mm_api.json")
    )
    assert response.json()["error"]["message"] == "(#100) Invalid parameter"
