"""WhatsApp numbers: secrets sealed everywhere and never answered, unique routing keys, the
default chatbot kept inside the organization, and what reaches the config topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import orjson

from pytake_shared.secrets import SecretBox
from pytake_shared.topics import Topics

from ..conftest import CONFIG_KEY, World, latest

ACCESS_TOKEN = "EAAG-very-secret-access-token"
APP_SECRET = "app-secret-do-not-show"
Drain = Callable[[str], Awaitable[list[Any]]]


async def _create(c: httpx.AsyncClient, w: World, **body: Any) -> httpx.Response:
    body.setdefault("organization_id", str(w.org_a))
    return await c.post("/api/v1/whatsapp/", json=body, headers=w.super)


async def test_secrets_are_sealed_in_the_database_and_on_the_topic_and_never_answered(
    client: httpx.AsyncClient, world: World, pool: asyncpg.Pool, drain: Drain, topics: Topics
) -> None:
    r = await _create(
        client, world, phone_number_id="1555000", access_token=ACCESS_TOKEN, app_secret=APP_SECRET
    )
    assert r.status_code == 201, r.text
    number = r.json()
    assert number["has_access_token"] is True
    assert number["has_app_secret"] is True
    assert "access_token" not in number and "app_secret" not in number
    admin = world.headers("org_admin@a")
    answers = [
        r,
        await client.get(f"/api/v1/whatsapp/{number['id']}", headers=admin),
        await client.get("/api/v1/whatsapp/", headers=admin),
        await client.put(
            f"/api/v1/whatsapp/{number['id']}", json={"display_name": "Shop"}, headers=admin
        ),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201)
        assert ACCESS_TOKEN not in answer.text and APP_SECRET not in answer.text

    box = SecretBox(CONFIG_KEY)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT access_token, app_secret FROM analytics.whatsapp_numbers WHERE id = $1",
            number["id"],
        )
    assert row["access_token"].startswith("enc:v1:")
    assert box.open(row["access_token"]) == ACCESS_TOKEN
    assert box.open(row["app_secret"]) == APP_SECRET

    records = latest(await drain(topics.config))
    value = records["number:1555000"]
    assert value is not None
    assert ACCESS_TOKEN.encode() not in value and APP_SECRET.encode() not in value
    entity = orjson.loads(value)["data"]["entity"]
    assert box.open(entity["access_token"]) == ACCESS_TOKEN
    assert entity["display_name"] == "Shop"

    r = await client.put(
        f"/api/v1/whatsapp/{number['id']}", json={"access_token": None}, headers=admin
    )
    assert r.json()["has_access_token"] is False
    assert r.json()["has_app_secret"] is True


async def test_a_webhook_token_is_generated_and_routing_keys_are_unique(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await _create(client, world, phone_number_id="1555001")
    assert first.status_code == 201
    token = first.json()["webhook_token"]
    assert token and len(token) >= 16
    again = await _create(
        client, world, phone_number_id="1555001", organization_id=str(world.org_b)
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "phone_number_id_taken"
    same_token = await _create(client, world, phone_number_id="1555002", webhook_token=token)
    assert same_token.status_code == 409
    assert same_token.json()["error"]["code"] == "webhook_token_taken"
    second = await _create(client, world, phone_number_id="1555003")
    r = await client.put(
        f"/api/v1/whatsapp/{second.json()['id']}",
        json={"phone_number_id": "1555001"},
        headers=world.super,
    )
    assert r.status_code == 409


async def test_the_default_chatbot_must_belong_to_the_numbers_organization(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = await client.post(
        "/api/v1/chatbots", json={"name": "Mine"}, headers=world.headers("org_admin@a")
    )
    theirs = await client.post(
        "/api/v1/chatbots", json={"name": "Theirs"}, headers=world.headers("org_admin@b")
    )
    admin = world.headers("org_admin@a")
    r = await client.post(
        "/api/v1/whatsapp/",
        json={"phone_number_id": "1555010", "default_chatbot_id": theirs.json()["id"]},
        headers=admin,
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_reference"
    r = await client.post(
        "/api/v1/whatsapp/",
        json={"phone_number_id": "1555010", "default_chatbot_id": mine.json()["id"]},
        headers=admin,
    )
    assert r.status_code == 201
    assert r.json()["default_chatbot_id"] == mine.json()["id"]
    r = await client.put(
        f"/api/v1/whatsapp/{r.json()['id']}",
        json={"default_chatbot_id": theirs.json()["id"]},
        headers=admin,
    )
    assert r.status_code == 422


async def test_changing_or_deleting_a_number_tombstones_its_old_key(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    number = (await _create(client, world, phone_number_id="1555020")).json()
    r = await client.put(
        f"/api/v1/whatsapp/{number['id']}",
        json={"phone_number_id": "1555021"},
        headers=world.super,
    )
    assert r.status_code == 200
    records = latest(await drain(topics.config))
    assert records["number:1555020"] is None
    assert records["number:1555021"] is not None
    r = await client.delete(f"/api/v1/whatsapp/{number['id']}", headers=world.super)
    assert r.status_code == 204
    assert latest(await drain(topics.config))["number:1555021"] is None
    r = await client.get(f"/api/v1/whatsapp/{number['id']}", headers=world.super)
    assert r.status_code == 404


async def test_unusable_number_fields_are_400(client: httpx.AsyncClient, world: World) -> None:
    for body in (
        {"phone_number_id": "has:colon"},
        {"phone_number_id": ""},
        {"phone_number_id": "1555030", "access_token": "enc:v1:forged"},
        {"phone_number_id": "1555030", "webhook_token": "short"},
        {"phone_number_id": "1555030", "display_name": "nul\u0000"},
    ):
        r = await _create(client, world, **body)
        assert r.status_code == 400, (body, r.text)
