"""`/conversations/{phone}/replay` on the real broker: the recorded events of a conversation
with the state after each, for its organization only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from pytake_analytics.projections import ProjectionHandler
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.kafka import Producer

from ..conftest import World
from ..scripted import T0, Feeder, Script, publish

NOW = T0 + timedelta(hours=1)
API = "/api/v1/conversations"


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
async def recorded(
    settings: AnalyticsSettings, pool: asyncpg.Pool, producer: Producer, world: World
) -> dict[str, Script]:
    """Ada's two conversations with organization A on number 100001 (a closed one, then one
    waiting at a question), on the topics and in the projection."""
    first = Script(world.org_a, contact="5511000000001", number="100001", start=T0)
    first.start("hi").node("start", "start").node("bye", "end")
    first.send("Bye", node_id="bye")
    first.close("completed")
    second = Script(
        world.org_a, contact="5511000000001", number="100001", start=T0 + timedelta(minutes=5)
    )
    second.start("again", first=False).node("start", "start").node("ask", "question")
    second.send("Which pizza?", node_id="ask")
    second.wait("ask")
    second.inbound("Margherita")
    second.capture("ask", "pizza", "Margherita")
    items = first.items + second.items
    await publish(pool, producer, settings.topics, items)
    await Feeder(ProjectionHandler(settings.topics, pool), settings.topics).feed(items)
    return {"first": first, "second": second}


async def _replay(api: httpx.AsyncClient, who: dict[str, str], **params: Any) -> httpx.Response:
    return await api.get(f"{API}/5511000000001/replay", params=params, headers=who)


async def test_the_last_conversation_replays_with_the_state_after_each_event(
    api: httpx.AsyncClient, world: World, recorded: dict[str, Script]
) -> None:
    r = await _replay(api, world.headers("viewer@a"))
    assert r.status_code == 200, r.text
    out = r.json()
    first, second = recorded["first"], recorded["second"]
    assert out["key"] == "100001:5511000000001"
    assert out["conversations"] == [first.conversation_id, second.conversation_id]
    assert out["conversation_id"] == second.conversation_id
    assert (out["flow_id"], out["flow_version"]) == ("flow-1", 1)
    types = [s["type"] for s in out["steps"]]
    assert types == [
        "inbound_received",
        "conversation_started",
        "node_entered",
        "node_entered",
        "message_queued",
        "waiting_for_input",
        "inbound_received",
        "input_captured",
    ]
    assert [s["n"] for s in out["steps"]] == list(range(1, 9))
    asked = out["steps"][5]
    assert (asked["node_id"], asked["state"]["status"]) == ("ask", "waiting")
    assert "Which pizza?" in out["steps"][4]["summary"]
    last = out["steps"][-1]["state"]
    assert last["variables"] == {"greeting": "hello", "pizza": "Margherita"}
    assert last["path"] == ["start", "ask"]


async def test_an_earlier_conversation_is_picked_by_id(
    api: httpx.AsyncClient, world: World, recorded: dict[str, Script]
) -> None:
    first = recorded["first"]
    out = (
        await _replay(api, world.headers("agent@a"), conversation_id=first.conversation_id)
    ).json()
    assert out["conversation_id"] == first.conversation_id
    assert out["steps"][-1]["state"]["status"] == "closed"
    assert out["steps"][-1]["state"]["close_reason"] == "completed"
    r = await _replay(api, world.headers("agent@a"), conversation_id="not-one-of-hers")
    assert r.status_code == 404


async def test_another_organization_sees_nothing_and_a_super_admin_everything(
    api: httpx.AsyncClient, world: World, recorded: dict[str, Script]
) -> None:
    r = await _replay(api, world.headers("org_admin@b"))
    assert r.status_code == 404
    everyone = await _replay(api, world.super, number="100001")
    assert everyone.status_code == 200
    assert len(everyone.json()["steps"]) == 8


async def test_a_rerun_without_recorded_commands_says_so(
    api: httpx.AsyncClient, world: World, recorded: dict[str, Script]
) -> None:
    r = await api.post(
        f"{API}/5511000000001/rerun", params={"version": 1}, headers=world.headers("agent@a")
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "cannot_rerun"


async def test_a_previous_owner_of_the_number_leaks_nothing_into_the_replay(
    api: httpx.AsyncClient,
    world: World,
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    producer: Producer,
) -> None:
    """The number belonged to organization B, whose conversation with the contact left a
    variable in the key's state; A's replay of its own conversation shows none of it."""
    before = Script(world.org_b, contact="5511000000009", number="100009", start=T0)
    before.start("hi").node("start", "start").node("ask", "question")
    before.capture("ask", "secret", "b-only")
    before.wait("ask")
    after = Script(
        world.org_a, contact="5511000000009", number="100009", start=T0 + timedelta(minutes=9)
    )
    after.start("hello", first=False).node("start", "start").node("bye", "end")
    after.close("completed")
    items = before.items + after.items
    await publish(pool, producer, settings.topics, items)
    await Feeder(ProjectionHandler(settings.topics, pool), settings.topics).feed(items)

    r = await api.get(f"{API}/5511000000009/replay", headers=world.headers("viewer@a"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["conversations"] == [after.conversation_id]
    assert "b-only" not in r.text
    assert out["steps"][0]["type"] == "inbound_received"
    assert out["steps"][0]["state"]["organization_id"] is None
