"""The inbox behind the console: search, who took what, the queue of people waiting for a
human, taking over, live updates pushed as the projections commit, and the console's files."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from pytake_analytics.adapters.live import LiveHub
from pytake_analytics.api.app import create_app
from pytake_analytics.projections import ProjectionHandler
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared import contracts as c
from pytake_shared.kafka import Producer
from pytake_shared.testing.fixtures import wait_for_records
from pytake_tools.metasim.server import serve_app

from ..conftest import World
from ..scripted import T0, Feeder, Script

Drain = Callable[[str], Awaitable[list[Any]]]
NOW = T0 + timedelta(hours=2)
API = "/api/v1/conversations"


@pytest.fixture
async def hub(settings: AnalyticsSettings) -> AsyncIterator[LiveHub]:
    live = LiveHub(settings.database_url)
    task = asyncio.create_task(live.run())
    await asyncio.wait_for(live.listening.wait(), 10)
    yield live
    live.stop()
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def api(
    settings: AnalyticsSettings, pool: asyncpg.Pool, producer: Producer, hub: LiveHub
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, pool, producer, clock=lambda: NOW, live_hub=hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as client:
        yield client


@pytest.fixture
def feeder(settings: AnalyticsSettings, pool: asyncpg.Pool) -> Feeder:
    return Feeder(ProjectionHandler(settings.topics, pool), settings.topics)


def _people(world: World, feeder: Feeder) -> list[Script]:
    """Four of organization A: two waiting for a human (one urgent, since later), one with the
    bot, one taken by agent A; and one of organization B waiting too."""
    agent = str(world.users["agent@a"])
    normal = Script(
        world.org_a,
        contact="5511000000010",
        number="100001",
        name="Noah Lima",
        start=NOW - timedelta(minutes=30),
    )
    normal.start("help").node("start", "start").node("h", "handoff").handoff("h")
    urgent = Script(
        world.org_a,
        contact="5511000000011",
        number="100001",
        name="Ursula",
        start=NOW - timedelta(minutes=5),
    )
    urgent.start("help!").node("start", "start").node("h", "handoff").handoff("h", "urgent")
    bot = Script(
        world.org_a,
        contact="5511000000012",
        number="100001",
        name="Bo",
        start=NOW - timedelta(minutes=1),
    )
    bot.start("hi").node("start", "start").node("ask", "question").wait("ask")
    taken = Script(
        world.org_a,
        contact="5511000000013",
        number="100001",
        name="Tess",
        start=NOW - timedelta(minutes=40),
    )
    taken.start("hey").node("start", "start").node("h", "handoff").handoff("h").assigned(agent)
    other = Script(
        world.org_b,
        contact="5511000000014",
        number="200001",
        name="Noah Other",
        start=NOW - timedelta(minutes=50),
    )
    other.start("oi").node("start", "start").node("h", "handoff").handoff("h", "urgent")
    return [normal, urgent, bot, taken, other]


async def test_the_waiting_queue_sorts_by_priority_then_wait_and_search_finds_name_or_phone(
    api: httpx.AsyncClient, world: World, feeder: Feeder
) -> None:
    await feeder.feed([i for s in _people(world, feeder) for i in s.items])
    agent = world.headers("agent@a")

    async def phones(**params: Any) -> list[str]:
        r = await api.get(API, params=params, headers=agent)
        assert r.status_code == 200, r.text
        return [conv["phone"] for conv in r.json()["conversations"]]

    waiting = await phones(status="handoff", sort="waiting")
    assert waiting == ["5511000000011", "5511000000013", "5511000000010"]  # urgent first
    assert await phones(sort="waiting", assigned="none", status="handoff") == [
        "5511000000011",
        "5511000000010",
    ]
    assert await phones(assigned="me") == ["5511000000013"]
    assert await phones(q="noah") == ["5511000000010"]  # never organization B's Noah
    assert await phones(q="00000012") == ["5511000000012"]
    assert await phones(q="%") == []  # a pattern character is just a character
    r = await api.get(API, params={"status": "handoff"}, headers=agent)
    urgent = next(c for c in r.json()["conversations"] if c["phone"] == "5511000000011")
    assert (urgent["handoff_priority"], urgent["handoff_reason"]) == ("urgent", "node")
    assert urgent["handoff_at"] is not None and urgent["assigned_to"] is None
    # A super admin sees every organization, or picks one.
    root = world.headers("super_admin")
    r = await api.get(API, params={"q": "noah"}, headers=root)
    assert len(r.json()["conversations"]) == 2
    r = await api.get(API, params={"q": "noah", "organization_id": str(world.org_b)}, headers=root)
    assert [conv["phone"] for conv in r.json()["conversations"]] == ["5511000000014"]


async def test_taking_over_publishes_an_assign_command_and_only_admins_assign_others(
    api: httpx.AsyncClient, world: World, feeder: Feeder, drain: Drain, settings: AnalyticsSettings
) -> None:
    await feeder.feed([i for s in _people(world, feeder) for i in s.items])
    agent = world.headers("agent@a")
    r = await api.post(f"{API}/5511000000012/assign", headers=agent)
    assert r.status_code == 202, r.text
    [record] = await wait_for_records(drain, settings.topics.commands, 1)
    env = orjson.loads(record.value)
    assert env["type"] == c.CMD_ASSIGN
    assert env["data"]["agent_id"] == str(world.users["agent@a"])
    assert env["data"]["takeover"] is True and env["subject"] == "100001:5511000000012"
    other = {"agent_id": str(world.users["org_admin@a"])}
    r = await api.post(f"{API}/5511000000012/assign", json=other, headers=agent)
    assert r.status_code == 403  # agents take conversations, admins hand them out
    admin = world.headers("org_admin@a")
    r = await api.post(
        f"{API}/5511000000012/assign", json={"agent_id": str(world.users["agent@a"])}, headers=admin
    )
    assert r.status_code == 202
    for who in ("viewer@a", "agent@b"):  # the viewer reads; B's agent does not see it at all
        bad = {"agent_id": str(world.users[who])}
        r = await api.post(f"{API}/5511000000012/assign", json=bad, headers=admin)
        assert r.status_code == 422 and r.json()["error"]["code"] == "not_an_agent"
    r = await api.post(f"{API}/5511000000012/assign", headers=world.headers("viewer@a"))
    assert r.status_code == 403
    r = await api.post(f"{API}/5511000000012/assign", headers=world.headers("agent@b"))
    assert r.status_code == 404
    r = await api.post(f"{API}/5511000000012/assign", json={"release": True}, headers=agent)
    assert r.status_code == 202


async def _events(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    found: list[dict[str, Any]],
    ready: asyncio.Event,
    **params: Any,
) -> None:
    async with api.stream("GET", "/api/v1/live", headers=headers, params=params) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        async for line in r.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
                if kind == "ready":
                    ready.set()
            elif line.startswith("data: ") and kind != "ready":
                found.append({"event": kind, **orjson.loads(line.removeprefix("data: "))})


@pytest.fixture
async def served(
    settings: AnalyticsSettings, pool: asyncpg.Pool, producer: Producer, hub: LiveHub
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a real HTTP server: a stream must arrive as it is written."""
    app = create_app(settings, pool, producer, clock=lambda: NOW, live_hub=hub)
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client


async def test_changes_are_pushed_live_to_the_organization_that_owns_them(
    served: httpx.AsyncClient, world: World, feeder: Feeder
) -> None:
    api = served
    seen_a: list[dict[str, Any]] = []
    seen_b: list[dict[str, Any]] = []
    ready_a, ready_b = asyncio.Event(), asyncio.Event()
    streams = [
        asyncio.create_task(_events(api, world.headers("agent@a"), seen_a, ready_a)),
        asyncio.create_task(_events(api, world.headers("viewer@b"), seen_b, ready_b)),
    ]
    try:
        await asyncio.wait_for(asyncio.gather(ready_a.wait(), ready_b.wait()), 10)
        script = Script(
            world.org_a,
            contact="5511000000020",
            number="100001",
            name="Live",
            start=NOW - timedelta(minutes=1),
        )
        script.start("hi").node("start", "start").node("h", "handoff").handoff("h")
        out = script.send("An agent will answer", node_id="h")
        await feeder.feed(script.items)
        script.items.clear()
        script.accepted(out)
        script.status(out, "read")
        await feeder.feed(script.items)
        async with asyncio.timeout(10):
            while not any(e["event"] == "delivery" for e in seen_a):
                await asyncio.sleep(0.05)
    finally:
        for task in streams:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert {e["phone"] for e in seen_a} == {"5511000000020"}
    assert seen_a[0]["event"] == "conversation" and seen_a[0]["phone_number_id"] == "100001"
    assert "handoff" in {e["status"] for e in seen_a if e["event"] == "conversation"}
    assert seen_b == []  # organization B hears nothing of A


async def test_the_console_is_served_with_deep_links_and_a_hint_when_not_built(
    settings: AnalyticsSettings, pool: asyncpg.Pool, producer: Producer, tmp_path: Path
) -> None:
    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text("<div id=root></div>")
    (built / "assets" / "app-1a2b.js").write_text("console.log(1)")
    for directory, status in ((built, 200), (tmp_path / "missing", 503)):
        app = create_app(
            settings.model_copy(update={"console_dir": str(directory)}), pool, producer
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://a"
        ) as client:
            r = await client.get("/")
            assert (r.status_code, r.headers["location"]) == (307, "/console/")
            r = await client.get("/console/conversations/5511/x")  # a deep link
            assert r.status_code == status
            if status == 200:
                assert r.text == "<div id=root></div>"
                asset = await client.get("/console/assets/app-1a2b.js")
                assert "immutable" in asset.headers["cache-control"]
                escape = await client.get("/console/..%2F..%2Fsecrets")
                assert escape.text == "<div id=root></div>"  # never a file outside the build
            else:
                assert "make console" in r.text
