"""`pytake export` / `pytake import` through the API: what a dev session built, kept."""

from __future__ import annotations

import io
from typing import Any

import httpx
import orjson

from pytake_tools import transfer

from ..conftest import PASSWORD, World

FLOW = {
    "nodes": [
        {"id": "start", "type": "start", "data": {}},
        {"id": "hi", "type": "message", "data": {"content": "Olá {{contact.name}}"}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}


async def test_an_export_imported_elsewhere_brings_back_chatbots_published_flows_numbers_users(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    r = await client.post(
        "/api/v1/chatbots", json={"name": "Pizza", "is_fallback": True}, headers=admin
    )
    bot = r.json()["id"]
    body = {"name": "Main", "chatbot_id": bot, "is_main": True, "canvas_data": FLOW}
    flow = (await client.post("/api/v1/flows", json=body, headers=admin)).json()["id"]
    assert (await client.post(f"/api/v1/flows/{flow}/publish", headers=admin)).status_code == 200
    assert (await client.post(f"/api/v1/flows/{flow}/activate", headers=admin)).status_code == 200
    number = {
        "phone_number_id": "1555000777",
        "display_name": "Pizza",
        "access_token": "tok",
        "default_chatbot_id": bot,
    }
    assert (await client.post("/api/v1/whatsapp/", json=number, headers=admin)).status_code == 201

    api = transfer.Api("/api/v1", client)
    await api.login(world.emails["super_admin"], PASSWORD)
    exported: dict[str, Any] = orjson.loads(orjson.dumps(await transfer.export(api)))
    [org_a] = [o for o in exported["organizations"] if o["name"] == "Org A"]
    assert [f["name"] for f in org_a["flows"]] == ["Main"] and org_a["flows"][0]["published"]
    assert "access_token" not in org_a["numbers"][0]  # never a secret
    # Into "another" deployment: the same database, under new names so nothing collides.
    org_a["name"] = "Org A (imported)"
    org_a["numbers"][0]["phone_number_id"] = "1555000778"
    org_a["numbers"][0]["webhook_token"] = None
    for user in org_a["users"]:
        user["email"] = "copy." + user["email"]
    out = io.StringIO()
    counts = await transfer.import_(api, exported, out)
    assert counts["organizations"] == 1 and counts["flows"] == 1 and counts["numbers"] == 1
    assert counts["users"] == len(org_a["users"])
    assert "set its access token and app secret again" in out.getvalue()
    password = out.getvalue().split("password ")[1].split()[0]
    login = await client.post(
        "/api/v1/auth/login", json={"email": org_a["users"][0]["email"], "password": password}
    )
    assert login.status_code == 200
    root = world.headers("super_admin")
    [imported] = [
        o
        for o in (await client.get("/api/v1/organizations", headers=root)).json()["organizations"]
        if o["name"] == "Org A (imported)"
    ]
    bots = (await client.get("/api/v1/chatbots", headers=root)).json()["chatbots"]
    [copy] = [b for b in bots if b["organization_id"] == imported["id"]]
    assert copy["main_flow_id"] is not None and copy["main_flow_version"] == 1
    # Importing the same file again changes nothing.
    again = await transfer.import_(api, exported, io.StringIO())
    assert again == dict.fromkeys(again, 0)
