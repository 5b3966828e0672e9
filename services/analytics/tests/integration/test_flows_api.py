"""Flows: drafts kept exactly as the builder sends them, validation located by node, publishing
immutable versions and what reaches the config topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from pytake_shared.topics import Topics

from ..conftest import World, latest

Drain = Callable[[str], Awaitable[list[Any]]]


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0}, "data": data}


VALID = {
    "nodes": [
        node("start", "start"),
        node("ask", "question", content="Pizza?", variableName="pizza"),
        node("check", "condition", conditions=[{"variable": "pizza", "operator": "is_not_empty"}]),
        node("yes", "end", content="One {{pizza}} coming"),
        node("no", "end", content="Bye"),
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "ask"},
        {"id": "e2", "source": "ask", "target": "check"},
        {"id": "e3", "source": "check", "target": "yes", "sourceHandle": "true", "label": "Yes"},
        {
            "id": "e4",
            "source": "check",
            "target": "no",
            "sourceHandle": "false",
            "label": "No",
            "animated": True,
            "style": {"stroke": "#f00"},
        },
    ],
    "viewport": {"x": 10, "y": 20, "zoom": 1.5},
}
INVALID = {
    "nodes": [
        node("start", "start"),
        node("mystery", "teleport"),
        node(
            "buttons",
            "interactive_buttons",
            bodyText="Pick",
            buttons=[{"id": "a", "title": "x" * 21}],
        ),
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "mystery"},
        {"id": "e2", "source": "mystery", "target": "nowhere"},
    ],
}


async def _bot(c: httpx.AsyncClient, w: World) -> str:
    r = await c.post("/api/v1/chatbots", json={"name": "Pizza"}, headers=w.headers("org_admin@a"))
    return str(r.json()["id"])


async def _flow(
    c: httpx.AsyncClient, w: World, bot: str, canvas: Any, **extra: Any
) -> dict[str, Any]:
    body = {"name": "Order", "chatbot_id": bot, "canvas_data": canvas, **extra}
    r = await c.post("/api/v1/flows", json=body, headers=w.headers("org_admin@a"))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_an_invalid_flow_is_refused_with_located_errors(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    admin = world.headers("org_admin@a")
    flow = await _flow(client, world, await _bot(client, world), INVALID)
    report = (await client.post(f"/api/v1/flows/{flow['id']}/validate", headers=admin)).json()
    assert report["valid"] is False
    located = {(e["node_id"], e["field"]) for e in report["errors"]}
    assert ("mystery", "type") in located
    assert ("buttons", "buttons[0].title") in located
    assert any(
        e["node_id"] == "mystery" and "edges" in (e["field"] or "") for e in report["errors"]
    )

    r = await client.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_flow"
    assert {e["node_id"] for e in error["errors"]} >= {"mystery", "buttons"}
    assert (await client.get(f"/api/v1/flows/{flow['id']}", headers=admin)).json()[
        "published_version"
    ] is None
    assert not any(k.startswith(f"flow:{flow['id']}") for k in latest(await drain(topics.config)))


async def test_publishing_makes_versions_1_then_2_and_moves_the_chatbots_main_flow(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    admin = world.headers("org_admin@a")
    bot = await _bot(client, world)
    flow = await _flow(client, world, bot, VALID, is_main=True, variables={"shop": "Luigi"})
    report = (await client.post(f"/api/v1/flows/{flow['id']}/validate", headers=admin)).json()
    assert report == {"valid": True, "errors": [], "warnings": []}

    first = await client.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    edited = {**VALID, "nodes": [*VALID["nodes"][:-1], node("no", "end", content="Ciao")]}
    r = await client.put(f"/api/v1/flows/{flow['id']}", json={"canvas_data": edited}, headers=admin)
    assert r.status_code == 200
    second = await client.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    assert second.json()["version"] == 2
    got = (await client.get(f"/api/v1/flows/{flow['id']}", headers=admin)).json()
    assert got["published_version"] == 2
    chatbot = (await client.get(f"/api/v1/chatbots/{bot}", headers=admin)).json()
    assert (chatbot["main_flow_id"], chatbot["main_flow_version"]) == (flow["id"], 2)

    records = latest(await drain(topics.config))
    v1 = orjson.loads(records[f"flow:{flow['id']}@1"] or b"")
    v2 = orjson.loads(records[f"flow:{flow['id']}@2"] or b"")
    assert v1["type"] == "pytake.config.snapshot"
    assert v1["organization_id"] == str(world.org_a)
    assert v1["data"]["entity"]["version"] == 1
    assert v1["data"]["entity"]["document"]["canvas_data"]["nodes"][-1]["data"]["content"] == "Bye"
    assert v2["data"]["entity"]["document"]["canvas_data"]["nodes"][-1]["data"]["content"] == "Ciao"
    assert v2["data"]["entity"]["document"]["variables"] == {"shop": "Luigi"}
    bot_entity = orjson.loads(records[f"chatbot:{bot}"] or b"")["data"]["entity"]
    assert (bot_entity["main_flow_id"], bot_entity["main_flow_version"]) == (flow["id"], 2)

    # Deactivating the main flow leaves the chatbot without one; deleting tombstones versions.
    r = await client.post(f"/api/v1/flows/{flow['id']}/deactivate", headers=admin)
    assert r.json()["is_active"] is False
    bot_entity = orjson.loads(latest(await drain(topics.config))[f"chatbot:{bot}"] or b"")
    assert bot_entity["data"]["entity"]["main_flow_id"] is None
    assert (await client.post(f"/api/v1/flows/{flow['id']}/activate", headers=admin)).is_success
    assert (await client.delete(f"/api/v1/flows/{flow['id']}", headers=admin)).status_code == 204
    records = latest(await drain(topics.config))
    assert records[f"flow:{flow['id']}@1"] is None and records[f"flow:{flow['id']}@2"] is None


async def test_put_keeps_every_edge_field(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("org_admin@a")
    flow = await _flow(client, world, await _bot(client, world), {"nodes": [], "edges": []})
    r = await client.put(
        f"/api/v1/flows/{flow['id']}",
        json={"canvas_data": VALID, "name": "Renamed"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    for answer in (
        r.json(),
        (await client.get(f"/api/v1/flows/{flow['id']}", headers=admin)).json(),
    ):
        assert answer["name"] == "Renamed"
        assert answer["canvas_data"] == VALID  # labels, sourceHandles, styles, viewport
    edge = r.json()["canvas_data"]["edges"][3]
    assert (edge["label"], edge["sourceHandle"], edge["animated"]) == ("No", "false", True)


async def test_a_main_flow_replaces_the_previous_main_flow(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    bot = await _bot(client, world)
    first = await _flow(client, world, bot, VALID, is_main=True)
    second = await _flow(client, world, bot, VALID, is_main=True)
    assert (await client.get(f"/api/v1/flows/{first['id']}", headers=admin)).json()[
        "is_main"
    ] is False
    assert second["is_main"] is True


async def test_flow_lists_are_paginated_and_filtered_by_chatbot(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    bot, other = await _bot(client, world), await _bot(client, world)
    for _ in range(3):
        await _flow(client, world, bot, VALID)
    await _flow(client, world, other, VALID)
    r = await client.get("/api/v1/flows", params={"chatbot_id": bot, "per_page": 2}, headers=admin)
    body = r.json()
    assert (body["total"], body["page"], body["per_page"], len(body["flows"])) == (3, 1, 2, 2)
    r = await client.get(
        "/api/v1/flows", params={"chatbot_id": bot, "per_page": 2, "page": 2}, headers=admin
    )
    assert len(r.json()["flows"]) == 1
    r = await client.get(f"/api/v1/chatbots/{bot}/flows", headers=admin)
    assert r.json()["total"] == 3
    for params in ({"per_page": 101}, {"per_page": 0}, {"page": 0}, {"chatbot_id": "nope"}):
        r = await client.get("/api/v1/flows", params=params, headers=admin)
        assert r.status_code == 400, params
        assert r.json()["error"]["code"] == "invalid_request"


async def test_a_jump_to_another_flow_of_the_chatbot_is_valid(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    bot = await _bot(client, world)
    target = await _flow(client, world, bot, VALID)
    jumping = {
        "nodes": [
            node("start", "start"),
            node("go", "jump", jumpType="flow", targetFlowId=target["id"]),
        ],
        "edges": [{"source": "start", "target": "go"}],
    }
    flow = await _flow(client, world, bot, jumping)
    assert (
        await client.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    ).status_code == 200
    lost = {
        **jumping,
        "nodes": [node("start", "start"), node("go", "jump", jumpType="flow", targetFlowId="x")],
    }
    flow = await _flow(client, world, bot, lost)
    r = await client.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["node_id"] == "go"


OLDER = {  # the older PyTake dialect: nodes/edges at the top level, older field names, no ids
    "nodes": [
        {"id": "start", "type": "start", "data": {}},
        {
            "id": "ask",
            "type": "question",
            "data": {"questionText": "Your name?", "outputVariable": "name"},
        },
        {"id": "bye", "type": "end", "data": {"messageText": "Thanks {{name}}"}},
    ],
    "edges": [{"source": "start", "target": "ask"}, {"source": "ask", "target": "bye"}],
}


async def test_a_flow_in_the_older_dialect_is_stored_validated_and_published_as_sent(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    admin = world.headers("org_admin@a")
    bot = await _bot(client, world)
    body = {"name": "Old", "chatbot_id": bot, **OLDER}
    r = await client.post("/api/v1/flows", json=body, headers=admin)
    assert r.status_code == 201, r.text
    flow = r.json()
    assert flow["canvas_data"]["nodes"] == OLDER["nodes"]  # kept exactly, older names included
    assert flow["canvas_data"]["edges"] == OLDER["edges"]
    report = (await client.post(f"/api/v1/flows/{flow['id']}/validate", headers=admin)).json()
    assert report == {"valid": True, "errors": [], "warnings": []}
    r = await client.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    assert r.status_code == 200, r.text
    # An update in the same dialect, sent back with the flow's read-only fields, replaces it.
    changed = {**flow, "canvas_data": None, **OLDER, "name": "Older"}
    del changed["canvas_data"]
    changed["nodes"] = [*OLDER["nodes"][:2], {"id": "bye", "type": "end", "data": {}}]
    r = await client.put(f"/api/v1/flows/{flow['id']}", json=changed, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["canvas_data"]["nodes"][2]["data"] == {}


async def test_a_flow_field_the_api_cannot_use_is_refused_naming_it(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    bot = await _bot(client, world)
    for extra, field in (({"flow_data": {}}, "flow_data"), ({"trigger": "hi"}, "trigger")):
        body = {"name": "X", "chatbot_id": bot, "canvas_data": VALID, **extra}
        r = await client.post("/api/v1/flows", json=body, headers=admin)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["fields"][0]["field"] == f"body.{field}"
    both = {"name": "X", "chatbot_id": bot, "canvas_data": VALID, "nodes": []}
    r = await client.post("/api/v1/flows", json=both, headers=admin)
    assert r.status_code == 400 and "send one of them" in r.json()["error"]["message"]
