"""Chatbots: one fallback per organization, the numbers that default to a chatbot, and what
deleting one takes with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from pytake_shared.topics import Topics

from ..conftest import World, latest

Drain = Callable[[str], Awaitable[list[Any]]]


async def test_a_second_fallback_chatbot_in_an_organization_is_409(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    first = await client.post(
        "/api/v1/chatbots", json={"name": "Fallback", "is_fallback": True}, headers=admin
    )
    assert first.status_code == 201
    second = await client.post(
        "/api/v1/chatbots", json={"name": "Another", "is_fallback": True}, headers=admin
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "fallback_exists"
    plain = await client.post("/api/v1/chatbots", json={"name": "Plain"}, headers=admin)
    r = await client.patch(
        f"/api/v1/chatbots/{plain.json()['id']}", json={"is_fallback": True}, headers=admin
    )
    assert r.status_code == 409
    # Another organization has its own fallback.
    other = await client.post(
        "/api/v1/chatbots",
        json={"name": "B fallback", "is_fallback": True},
        headers=world.headers("org_admin@b"),
    )
    assert other.status_code == 201


async def test_whatsapp_number_ids_make_the_chatbot_those_numbers_default(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    admin = world.headers("org_admin@a")
    n1 = (
        await client.post("/api/v1/whatsapp/", json={"phone_number_id": "1666001"}, headers=admin)
    ).json()
    n2 = (
        await client.post("/api/v1/whatsapp/", json={"phone_number_id": "1666002"}, headers=admin)
    ).json()
    foreign = await client.post(
        "/api/v1/whatsapp/",
        json={"phone_number_id": "1666003"},
        headers=world.headers("org_admin@b"),
    )
    bot = await client.post(
        "/api/v1/chatbots", json={"name": "Sales", "whatsapp_number_ids": [n1["id"]]}, headers=admin
    )
    assert bot.status_code == 201, bot.text
    assert bot.json()["whatsapp_number_ids"] == [n1["id"]]
    bot_id = bot.json()["id"]
    r = await client.patch(
        f"/api/v1/chatbots/{bot_id}", json={"whatsapp_number_ids": [n2["id"]]}, headers=admin
    )
    assert r.json()["whatsapp_number_ids"] == [n2["id"]]
    records = latest(await drain(topics.config))
    n1_entity = orjson.loads(records["number:1666001"] or b"")["data"]["entity"]
    n2_entity = orjson.loads(records["number:1666002"] or b"")["data"]["entity"]
    assert n1_entity["default_chatbot_id"] is None
    assert n2_entity["default_chatbot_id"] == bot_id
    r = await client.patch(
        f"/api/v1/chatbots/{bot_id}",
        json={"whatsapp_number_ids": [foreign.json()["id"]]},
        headers=admin,
    )
    assert r.status_code == 422


async def test_deleting_a_chatbot_removes_its_flows_and_releases_its_numbers(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    admin = world.headers("org_admin@a")
    number = (
        await client.post("/api/v1/whatsapp/", json={"phone_number_id": "1666010"}, headers=admin)
    ).json()
    bot = (
        await client.post(
            "/api/v1/chatbots",
            json={"name": "Gone", "whatsapp_number_ids": [number["id"]]},
            headers=admin,
        )
    ).json()
    canvas = {
        "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
        "edges": [{"source": "start", "target": "end"}],
    }
    flow = (
        await client.post(
            "/api/v1/flows",
            json={"name": "F", "chatbot_id": bot["id"], "is_main": True, "canvas_data": canvas},
            headers=admin,
        )
    ).json()
    assert (
        await client.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    ).status_code == 200
    assert (await client.delete(f"/api/v1/chatbots/{bot['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/flows/{flow['id']}", headers=admin)).status_code == 404
    r = await client.get(f"/api/v1/whatsapp/{number['id']}", headers=admin)
    assert r.json()["default_chatbot_id"] is None
    records = latest(await drain(topics.config))
    assert records[f"chatbot:{bot['id']}"] is None
    assert records[f"flow:{flow['id']}@1"] is None
    assert (
        orjson.loads(records["number:1666010"] or b"")["data"]["entity"]["default_chatbot_id"]
        is None
    )
