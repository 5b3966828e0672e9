"""`/conversations` over projected scripted conversations: filters, pagination, history with
statuses, the 24-hour window, and the commands agent actions put on conversation.commands.v1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from pytake_analytics.projections import ProjectionHandler
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared import contracts as c
from pytake_shared.envelope import utcnow
from pytake_shared.testing.fixtures import wait_for_records

from ..conftest import World
from ..scripted import T0, Feeder, Script

Drain = Callable[[str], Awaitable[list[Any]]]
NOW = T0 + timedelta(hours=2)
API = "/api/v1/conversations"


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
async def scripts(settings: AnalyticsSettings, pool: asyncpg.Pool, world: World) -> dict[str, Any]:
    """Ada: active on number 100001 (wrote 1 hour before NOW), also on 100002 where she was
    handed off 30 hours ago. Bea: closed, wrote 30 hours ago. Cid: organization B."""
    ada = Script(
        world.org_a, contact="5511000000001", number="100001", start=NOW - timedelta(hours=1)
    )
    ada.start("hi").node("start", "start").node("ask", "question")
    ada.capture("ask", "size", "L").wait("ask")
    out = ada.send("Which pizza?", node_id="ask")
    ada.accepted(out)
    ada.status(out, "delivered")
    ada.status(out, "read")
    ada2 = Script(
        world.org_a,
        contact="5511000000001",
        number="100002",
        chatbot="bot-2",
        start=NOW - timedelta(hours=30),
    )
    ada2.start("help").node("start", "start").node("h", "handoff").handoff("h")
    failed = ada2.send("Agent soon", node_id="h")
    ada2.send_failed(failed, 131026)
    bea = Script(
        world.org_a, contact="5511000000002", number="100001", start=NOW - timedelta(hours=30)
    )
    bea.start("yo").node("start", "start").node("bye", "end").close("completed")
    cid = Script(world.org_b, contact="5511000000003", number="200001")
    cid.start("oi").node("start", "start")
    feeder = Feeder(ProjectionHandler(settings.topics, pool), settings.topics)
    await feeder.feed(ada.items + ada2.items + bea.items + cid.items)
    return {"ada": ada, "ada2": ada2, "bea": bea, "cid": cid, "out": out, "failed": failed}


async def test_the_list_filters_by_status_chatbot_number_and_since_and_pages(
    api: httpx.AsyncClient, world: World, scripts: dict[str, Any]
) -> None:
    admin = world.headers("viewer@a")

    async def phones(**params: Any) -> list[str]:
        r = await api.get(API, params=params, headers=admin)
        assert r.status_code == 200, r.text
        return [x["phone"] for x in r.json()["conversations"]]

    assert sorted(await phones()) == ["5511000000001", "5511000000001", "5511000000002"]
    assert await phones(status="closed") == ["5511000000002"]
    assert await phones(status="handoff") == ["5511000000001"]
    assert await phones(active_chatbot_id="00000000-0000-0000-0000-000000000000") == []
    assert await phones(number="100002") == ["5511000000001"]
    assert await phones(since=(NOW - timedelta(hours=2)).isoformat()) == ["5511000000001"]
    page = (await api.get(API, params={"per_page": 2, "page": 2}, headers=admin)).json()
    assert (page["total"], page["page"], page["per_page"], len(page["conversations"])) == (
        3,
        2,
        2,
        1,
    )
    everyone = (await api.get(API, headers=world.super)).json()
    assert everyone["total"] == 4
    first = (await api.get(API, params={"per_page": 1}, headers=admin)).json()["conversations"][0]
    assert first["phone_number_id"] == "100001" and first["contact_name"] == "Ada"
    assert first["status"] == "active" and first["messages_out"] == 1


async def test_a_contact_on_several_numbers_needs_the_number(
    api: httpx.AsyncClient, world: World, scripts: dict[str, Any]
) -> None:
    agent = world.headers("agent@a")
    r = await api.get(f"{API}/5511000000001", headers=agent)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "ambiguous_number"
    assert r.json()["error"]["numbers"] == ["100001", "100002"]
    assert (await api.post(f"{API}/5511000000001/close", headers=agent)).status_code == 409
    r = await api.get(f"{API}/+5511000000001", params={"number": "100001"}, headers=agent)
    assert r.status_code == 200, r.text
    assert r.json()["numbers"] == ["100001", "100002"]
    assert (
        await api.get(f"{API}/5511000000001", params={"number": "9"}, headers=agent)
    ).status_code == 404
    assert (await api.get(f"{API}/5511000000003", headers=agent)).status_code == 404  # org B


async def test_the_history_has_statuses_and_the_current_state(
    api: httpx.AsyncClient, world: World, scripts: dict[str, Any]
) -> None:
    r = await api.get(
        f"{API}/5511000000001", params={"number": "100001"}, headers=world.headers("viewer@a")
    )
    body = r.json()
    assert [(m["direction"], m["text"], m["status"]) for m in body["messages"]] == [
        ("in", "hi", "received"),
        ("out", "Which pizza?", "read"),
    ]
    out = body["messages"][1]
    assert out["message_id"] == f"wamid.out.{scripts['out'][:8]}" and out["read_at"]
    assert body["current_state"] == {
        "status": "active",
        "current_node_id": "ask",
        "variables": {"greeting": "hello", "size": "L"},
        "execution_path": ["start", "ask"],
        "flow": {"id": "flow-1", "version": 1},
    }
    assert body["window"]["window_status"] == "active"
    r = await api.get(
        f"{API}/5511000000001", params={"number": "100002"}, headers=world.headers("viewer@a")
    )
    failed = r.json()["messages"][-1]
    assert (failed["status"], failed["error_code"]) == ("failed", 131026)
    assert r.json()["current_state"]["status"] == "handoff"


async def test_window_status_counts_24_hours_from_the_last_inbound(
    api: httpx.AsyncClient, world: World, scripts: dict[str, Any]
) -> None:
    viewer = world.headers("viewer@a")
    r = await api.get(
        f"{API}/5511000000001/window-status", params={"number": "100001"}, headers=viewer
    )
    assert r.json()["window_status"] == "active"
    assert (r.json()["hours_remaining"], r.json()["template_required"]) == (23.0, False)
    r = await api.get(f"{API}/5511000000002/window-status", headers=viewer)
    assert r.json()["window_status"] == "expired"
    assert (r.json()["hours_remaining"], r.json()["template_required"]) == (0.0, True)


async def test_agent_actions_publish_commands_keyed_by_the_conversation(
    api: httpx.AsyncClient,
    world: World,
    scripts: dict[str, Any],
    drain: Drain,
    settings: AnalyticsSettings,
) -> None:
    agent = world.headers("agent@a")
    ada, ada2, bea = scripts["ada"], scripts["ada2"], scripts["bea"]
    on1 = {"number": "100001"}
    send = f"{API}/5511000000001/send"
    key = {"Idempotency-Key": "retry-me", **agent}
    r1 = await api.post(send, params=on1, json={"message": "Hello from Bob"}, headers=key)
    r2 = await api.post(send, params=on1, json={"message": "Hello from Bob"}, headers=key)
    assert r1.status_code == 202, r1.text
    assert r1.json()["command_id"] == r2.json()["command_id"]
    assert r1.json()["conversation_key"] == ada.key
    # Outside the window: text refused, template accepted.
    r = await api.post(f"{API}/5511000000002/send", json={"message": "still there?"}, headers=agent)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "window_expired"
    assert "template" in r.json()["error"]["message"]
    template = {"name": "reopen_chat", "language_code": "pt_BR"}
    r = await api.post(f"{API}/5511000000002/send", json={"template": template}, headers=agent)
    assert r.status_code == 202, r.text
    both = {"message": "x", "template": template}
    assert (await api.post(send, params=on1, json=both, headers=agent)).status_code == 400
    # Close: open → 202, closed → 409. Resume: only in handoff.
    assert (await api.post(f"{API}/5511000000002/close", headers=agent)).status_code == 409
    r = await api.post(f"{API}/5511000000001/resume", params=on1, headers=agent)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_in_handoff")
    on2 = {"number": "100002"}
    r = await api.post(f"{API}/5511000000001/resume", params=on2, json={}, headers=agent)
    assert r.status_code == 202, r.text
    r = await api.post(
        f"{API}/5511000000001/close", params=on1, json={"reason": "done"}, headers=agent
    )
    assert r.status_code == 202, r.text
    # Viewers read only; another organization's contact is not found.
    viewer = world.headers("viewer@a")
    assert (
        await api.post(send, params=on1, json={"message": "x"}, headers=viewer)
    ).status_code == 403
    other = world.headers("agent@b")
    assert (
        await api.post(send, params=on1, json={"message": "x"}, headers=other)
    ).status_code == 404

    records = await wait_for_records(drain, settings.topics.commands, 5)
    got = [(r.key.decode(), orjson.loads(r.value)) for r in records]
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for k, env in got:
        by_type.setdefault(env["type"], []).append((k, env))
    assert len(got) == 5  # the idempotent retry is the same record id, published twice
    texts = by_type[c.CMD_SEND_AGENT_MESSAGE]
    assert {env["id"] for _, env in texts if env["data"].get("text")} == {r1.json()["command_id"]}
    k, env = next(x for x in texts if "template" in x[1]["data"])
    assert k == bea.key and env["data"]["template"]["name"] == "reopen_chat"
    assert env["organization_id"] == str(world.org_a)
    assert env["data"]["agent_id"] == str(world.users["agent@a"])
    assert [(k, e["data"]["reason"]) for k, e in by_type[c.CMD_CLOSE]] == [(ada.key, "done")]
    assert [k for k, _ in by_type[c.CMD_RESUME]] == [ada2.key]
    assert env["data"]["at"] == int(NOW.timestamp())


SIMPLE_FLOW = {
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 0, "y": 0}, "data": {}},
        {"id": "hi", "type": "end", "position": {"x": 0, "y": 0}, "data": {"content": "Hi!"}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}


async def test_restart_starts_the_main_flow_or_a_published_flow_of_the_same_chatbot(
    api: httpx.AsyncClient,
    world: World,
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    drain: Drain,
) -> None:
    admin, agent = world.headers("org_admin@a"), world.headers("agent@a")
    bot = (await api.post("/api/v1/chatbots", json={"name": "Pizza"}, headers=admin)).json()["id"]
    other = (await api.post("/api/v1/chatbots", json={"name": "Else"}, headers=admin)).json()["id"]

    async def flow(chatbot: str, *, publish: bool) -> str:
        body = {"name": "F", "chatbot_id": chatbot, "canvas_data": SIMPLE_FLOW}
        made = await api.post("/api/v1/flows", json=body, headers=admin)
        assert made.status_code == 201, made.text
        if publish:
            r = await api.post(f"/api/v1/flows/{made.json()['id']}/publish", headers=admin)
            assert r.status_code == 200, r.text
        return str(made.json()["id"])

    published, draft, elsewhere = (
        await flow(bot, publish=True),
        await flow(bot, publish=False),
        await flow(other, publish=True),
    )
    dan = Script(world.org_a, contact="5511000000009", number="100009", chatbot=bot)
    dan.start("hi").node("start", "start").close("completed")
    await Feeder(ProjectionHandler(settings.topics, pool), settings.topics).feed(dan.items)
    url = f"{API}/5511000000009/restart"

    r = await api.post(url, headers=agent)  # closed conversations can restart too
    assert r.status_code == 202, r.text
    r = await api.post(url, json={"flow_id": published}, headers=agent)
    assert r.status_code == 202, r.text
    r = await api.post(url, json={"flow_id": draft}, headers=agent)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_published")
    r = await api.post(url, json={"flow_id": elsewhere}, headers=agent)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "wrong_chatbot")
    missing = "00000000-0000-0000-0000-000000000000"
    assert (await api.post(url, json={"flow_id": missing}, headers=agent)).status_code == 404
    assert (await api.post(url, headers=world.headers("viewer@a"))).status_code == 403
    assert (await api.post(url, headers=world.headers("agent@b"))).status_code == 404

    records = await wait_for_records(drain, settings.topics.commands, 2)
    restarts = [orjson.loads(r.value) for r in records]
    restarts = [e for e in restarts if e["type"] == c.CMD_RESTART_FLOW]
    assert [e["data"].get("flow_id") for e in restarts] == [None, published]
    assert {e["subject"] for e in restarts} == {dan.key}
    assert restarts[0]["data"]["agent_id"] == str(world.users["agent@a"])


async def test_history_times_share_one_precision_and_positions_give_a_stable_order(
    api: httpx.AsyncClient, world: World, scripts: dict[str, Any]
) -> None:
    r = await api.get(
        f"{API}/5511000000001", params={"number": "100001"}, headers=world.headers("agent@a")
    )
    messages = r.json()["messages"]
    assert len(messages) >= 2
    for message in messages:
        assert datetime.fromisoformat(message["at"]).microsecond == 0
    positions = [m["position"] for m in messages]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


async def test_the_history_shows_what_a_message_carries_and_meta_s_words_for_a_failure(
    api: httpx.AsyncClient, settings: AnalyticsSettings, pool: asyncpg.Pool, world: World
) -> None:
    eve = Script(world.org_a, contact="5511000000011", number="100011", start=utcnow())
    eve.start("hi").node("start", "start")
    photo = {"kind": "image", "id": "media-1", "mime_type": "image/jpeg", "caption": "my order"}
    eve.inbound("my order", kind="image", content={"media": photo})
    place = {"latitude": -23.5, "longitude": -46.6, "name": "Home", "address": "Rua A, 1"}
    eve.inbound(None, kind="location", content={"location": place})
    out = eve.send("Thanks!")
    eve.accepted(out)
    eve.status(out, "failed", 131047)
    await Feeder(ProjectionHandler(settings.topics, pool), settings.topics).feed(eve.items)
    r = await api.get(f"{API}/5511000000011", headers=world.headers("viewer@a"))
    assert r.status_code == 200, r.text
    hi, image, location, thanks = r.json()["messages"]
    assert (hi["body"], image["kind"], image["body"]) == ({}, "image", {"media": photo})
    assert (location["text"], location["body"]) == (None, {"location": place})
    assert (thanks["status"], thanks["error_code"]) == ("failed", 131047)
    assert thanks["error_reason"] == "Meta's details for 131047"
    assert hi["error_reason"] is None
