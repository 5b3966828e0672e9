"""The executor's I/O around the engine: timers stored with the state and fired as commands,
api calls made off the hot path and fed back as commands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store
from pytake_executor.effects import EffectsHandler
from pytake_executor.handlers import ExecutorHandler
from pytake_executor.timers import TimerPoller
from pytake_shared import contracts as c
from pytake_shared.egress import EgressPolicy
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer, Record
from pytake_shared.topics import Topics
from pytake_tools.metasim.server import serve_app

KEY = "106540352242922:5511988887777"
SECRETS_READ: list[str] = []
LOCAL = EgressPolicy.parse("127.0.0.1")  # the test's CRM listens on loopback


def _texts(events: list[Envelope]) -> list[str]:
    return [e.data["message"]["text"] for e in events if e.type == c.OUT_SEND]


def _sends(records: list[Any]) -> list[Envelope]:
    return [e for e in (Envelope.from_bytes(r.value) for r in records) if e.type == c.OUT_SEND]


def _record(env: Envelope, topic: str, offset: int) -> Record:
    return Record(topic, 0, offset, env.subject, env, 0, env.to_bytes(), tuple(env.headers()))


@pytest.fixture
def delay_flow() -> dict[str, Any]:
    nodes = [
        {"id": "s", "type": "start", "data": {}},
        {"id": "a", "type": "message", "data": {"content": "before"}},
        {"id": "d", "type": "delay", "data": {"delaySeconds": 5}},
        {"id": "b", "type": "message", "data": {"content": "after"}},
    ]
    edges = [{"source": x, "target": y} for x, y in (("s", "a"), ("a", "d"), ("d", "b"))]
    return {"canvas_data": {"nodes": nodes, "edges": edges}}


async def test_a_delay_timer_survives_in_the_database_and_fires_as_a_command(
    config: Any,
    delay_flow: dict[str, Any],
    executor_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    command: Callable[..., Envelope],
    record: Callable[..., Record],
    drain: Any,
) -> None:
    config.with_flow(delay_flow)
    store = Store(executor_pool)
    handler = ExecutorHandler(topics, store, ConfigFlows(config.view), producer)
    inbound = command("wamid.1", "hi")
    await handler.handle_batch([record(inbound, offset=0)])
    sends = [Envelope.from_bytes(r.value) for r in await drain(topics.wa_outbound)]
    assert _texts(sends) == ["before"]
    rows = await executor_pool.fetch("SELECT kind, fire_at FROM executor.timers ORDER BY kind")
    started = inbound.data["received_at"]
    assert [(r["kind"], r["fire_at"]) for r in rows] == [
        ("delay", started + 5),
        ("session", started + 24 * 3600),
    ]

    # Not due yet: nothing fires. Due: a fire_timer command on the conversation's key.
    assert await TimerPoller(store, producer, topics, clock=lambda: started + 4).tick() == 0
    assert await TimerPoller(store, producer, topics, clock=lambda: started + 5).tick() == 1
    [fired] = [Envelope.from_bytes(r.value) for r in await drain(topics.commands)]
    assert (fired.type, fired.subject) == (c.CMD_FIRE_TIMER, KEY)
    assert [r["kind"] for r in await executor_pool.fetch("SELECT kind FROM executor.timers")] == [
        "session"
    ]

    await handler.handle_batch([record(fired, offset=1)])
    sends = [Envelope.from_bytes(r.value) for r in await drain(topics.wa_outbound)]
    assert _texts(sends) == ["before", "after"]
    # Firing the same timer again (a crash between publish and forget) changes nothing.
    await handler.handle_batch([record(fired, offset=2)])
    assert len(_sends(await drain(topics.wa_outbound))) == 2


@pytest.fixture
async def crm() -> AsyncIterator[str]:
    app = FastAPI()

    @app.get("/customers/{email}")
    async def customer(email: str, request: Request) -> dict[str, Any]:
        return {
            "name": "Ada",
            "email": email,
            "request_id": request.headers.get("x-pytake-request-id"),
        }

    @app.get("/slow")
    async def slow() -> dict[str, Any]:
        await asyncio.sleep(3)
        return {}

    @app.get("/drip")
    async def drip() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(30):  # each chunk in time, the whole far too slow
                yield b"x" * 10
                await asyncio.sleep(0.2)

        return StreamingResponse(chunks())

    @app.get("/huge")
    async def huge() -> Response:
        return Response(b"x" * (2 * 1024 * 1024))

    @app.get("/to/{where:path}")
    async def redirect(where: str) -> Response:
        return RedirectResponse(f"http://{where}", status_code=302)

    @app.get("/secret")
    async def secret(request: Request) -> dict[str, Any]:
        SECRETS_READ.append(request.url.path)
        return {"secret": "platform credentials"}

    async with serve_app(app) as base_url:
        yield base_url


async def test_an_api_call_is_made_off_the_hot_path_and_its_result_comes_back_as_a_command(
    crm: str,
    producer: Producer,
    topics: Topics,
    drain: Any,
) -> None:
    effects = EffectsHandler(topics, producer, LOCAL)
    requested = Envelope.new(
        "pytake.conversation.api_call_requested",
        source="t",
        subject=KEY,
        data={
            "request_id": "req-1",
            "node_id": "lookup",
            "method": "GET",
            "url": f"{crm}/customers/ada@example.com",
            "headers": {},
            "query": {},
            "body": None,
            "timeout": 5,
        },
    )
    slow = Envelope.new(
        "pytake.conversation.api_call_requested",
        source="t",
        subject=KEY,
        data={
            "request_id": "req-2",
            "node_id": "slow",
            "method": "GET",
            "url": f"{crm}/slow",
            "timeout": 1,
        },
    )
    hook = Envelope.new(
        "pytake.conversation.webhook_requested",
        source="t",
        subject=KEY,
        data={
            "request_id": "w-1",
            "node_id": "notify",
            "url": "http://127.0.0.1:9/nowhere",
            "method": "POST",
            "body": {"x": 1},
        },
    )

    async def park(record: Record, reason: str) -> None:
        raise AssertionError(reason)

    done = [
        await effects.submit(_record(env, topics.events, i), park)
        for i, env in enumerate([requested, slow, hook])
    ]
    assert await asyncio.wait_for(asyncio.gather(*done), 10) == [True, True, True]
    await effects.close()
    results = {
        e.data["request_id"]: e.data
        for e in (Envelope.from_bytes(r.value) for r in await drain(topics.commands))
    }
    assert set(results) == {"req-1", "req-2", "w-1"}
    assert results["w-1"]["node_id"] == "notify"
    assert results["w-1"]["status"] is None and "ConnectError" in results["w-1"]["error"]
    assert results["req-1"]["status"] == 200
    assert results["req-1"]["body"] == {
        "name": "Ada",
        "email": "ada@example.com",
        "request_id": "req-1",
    }
    assert results["req-2"]["status"] is None
    assert results["req-2"]["error"] == "timeout after 1s"


def _call(request_id: str, url: str, kind: str = "api_call", timeout: int = 5) -> Envelope:
    return Envelope.new(
        f"pytake.conversation.{kind}_requested",
        source="t",
        subject=KEY,
        data={
            "request_id": request_id,
            "node_id": "n",
            "method": "GET",
            "url": url,
            "timeout": timeout,
        },
    )


async def _outcomes(
    effects: EffectsHandler, calls: list[Envelope], topics: Topics, drain: Any
) -> dict[str, dict[str, Any]]:
    async def park(record: Record, reason: str) -> None:
        raise AssertionError(reason)

    done = [
        await effects.submit(_record(env, topics.events, i), park) for i, env in enumerate(calls)
    ]
    await asyncio.wait_for(asyncio.gather(*done), 20)
    await effects.close()
    records = (Envelope.from_bytes(r.value) for r in await drain(topics.commands))
    return {e.data["request_id"]: e.data for e in records}


async def test_calls_to_the_platforms_network_are_refused_and_never_made(
    crm: str, producer: Producer, topics: Topics, drain: Any
) -> None:
    """The attack: an org admin's flow calls the analytics API on loopback, the cloud's
    metadata service and a local listener, in every spelling."""
    SECRETS_READ.clear()
    port = crm.rsplit(":", 1)[1]
    targets = {
        "loopback": f"{crm}/secret",
        "localhost": f"http://localhost:{port}/secret",
        "decimal": f"http://2130706433:{port}/secret",
        "mapped": f"http://[::ffff:127.0.0.1]:{port}/secret",
        "metadata": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "private": "http://10.0.0.5/admin",
        "cgnat": "http://100.64.0.1/",
        "file": "file:///etc/passwd",
        "gopher": "gopher://127.0.0.1:6379/_INFO",
    }
    effects = EffectsHandler(topics, producer)  # no operator allowlist
    calls = [_call(name, url) for name, url in targets.items()]
    calls.append(_call("hook", f"{crm}/secret", kind="webhook"))
    results = await _outcomes(effects, calls, topics, drain)
    assert set(results) == {*targets, "hook"}
    for name, result in results.items():
        assert result["status"] is None, name
        assert result["error"].startswith("refused: "), (name, result["error"])
    assert "loopback" in results["loopback"]["error"]
    assert "link-local" in results["metadata"]["error"]
    assert "carrier-grade NAT" in results["cgnat"]["error"]
    assert "only http and https" in results["file"]["error"]
    assert SECRETS_READ == []


async def test_a_name_resolving_to_loopback_and_a_redirect_to_it_are_refused_at_connect(
    crm: str, producer: Producer, topics: Topics, drain: Any
) -> None:
    """DNS rebinding: the name looks public, the address it resolves to when connecting is
    not; a public endpoint that redirects inward is refused at the redirect's connection."""
    SECRETS_READ.clear()
    port = crm.rsplit(":", 1)[1]

    async def resolver(host: str, _: int) -> list[str]:
        names = {"rebind.attacker.example": ["127.0.0.1"], "api.partner.example": ["127.0.0.1"]}
        return names.get(host, [host])

    # The operator allowed the partner's name (it happens to live on loopback here).
    policy = EgressPolicy.parse("api.partner.example")
    effects = EffectsHandler(topics, producer, policy, resolver=resolver)
    calls = [
        _call("rebind", f"http://rebind.attacker.example:{port}/secret"),
        _call("redirect", f"http://api.partner.example:{port}/to/127.0.0.1:{port}/secret"),
        _call("allowed", f"http://api.partner.example:{port}/customers/x"),
    ]
    results = await _outcomes(effects, calls, topics, drain)
    assert results["rebind"]["error"] == (
        "refused: rebind.attacker.example resolves to 127.0.0.1, a loopback address "
        "(an operator can allow it with EGRESS_ALLOW)"
    )
    assert results["redirect"]["error"].startswith("refused: 127.0.0.1, a loopback address")
    assert results["allowed"]["status"] == 200
    assert SECRETS_READ == []


async def test_a_call_is_bounded_in_response_size_and_in_total_time(
    crm: str, producer: Producer, topics: Topics, drain: Any
) -> None:
    effects = EffectsHandler(topics, producer, LOCAL, max_response_bytes=64 * 1024)
    calls = [_call("huge", f"{crm}/huge"), _call("drip", f"{crm}/drip", timeout=2)]
    results = await _outcomes(effects, calls, topics, drain)
    assert results["huge"]["error"] == "response larger than 65536 bytes"
    assert results["huge"]["body"] is None
    assert results["drip"]["error"] == "timeout after 2s"
