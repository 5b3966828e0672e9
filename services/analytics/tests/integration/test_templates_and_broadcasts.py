"""Templates synchronised from the simulator and changed by Meta's webhooks; broadcasts
dispatched by the runner on the real broker and database, once per recipient."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from pytake_analytics.adapters.template_source import TemplateSource
from pytake_analytics.api.deps import Context
from pytake_analytics.broadcaster import Broadcaster
from pytake_analytics.projections import ProjectionHandler
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.testing.fixtures import record_of
from pytake_shared.topics import Topics
from pytake_tools.metasim import SimulatorSettings
from pytake_tools.metasim.testing import LocalSimulator, local_simulator

from ..conftest import World

WABA = "102290129340398"
ORDER = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships today."},
]
Drain = Callable[[str], Awaitable[list[Any]]]
_offsets = itertools.count(1)


@pytest.fixture
async def sim(app: FastAPI) -> AsyncIterator[LocalSimulator]:
    async with local_simulator(SimulatorSettings(seed=1, status_delays_ms=())) as local:
        ctx: Context = app.state.pytake
        source = TemplateSource("http://metasim", "v21.0", transport=local.client._transport)
        ctx.__dict__["template_source"] = source  # the cached property, pointed at the sim
        yield local
        await source.close()


async def _number(api: httpx.AsyncClient, world: World, mps: int = 100) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/whatsapp/",
        json={
            "phone_number_id": "106540352242922",
            "access_token": "test-token",
            "waba_id": WABA,
            "messages_per_second": mps,
        },
        headers=world.headers("org_admin@a"),
    )
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    assert (found["waba_id"], found["messages_per_second"]) == (WABA, mps)
    return found


async def _fold(app: FastAPI, topics: Topics, *envelopes: Envelope) -> None:
    ctx: Context = app.state.pytake
    handler = ProjectionHandler(topics, ctx.store.pool, outbox=ctx.store.outbox)
    records = [record_of(e, topics.wa_inbound, offset=next(_offsets)) for e in envelopes]
    async with ctx.store.pool.acquire() as conn, conn.transaction():
        await handler.apply(conn, records)
    await ctx.store.outbox.flush()


def _runner(
    app: FastAPI, producer: Producer, topics: Topics, clock: Callable[[], float]
) -> Broadcaster:
    pool = app.state.pytake.store.pool
    return Broadcaster(pool, producer, topics.wa_outbound, default_mps=80, share=0.8, clock=clock)


def _field(field: str, value: dict[str, Any]) -> Envelope:
    data = {"field": field, "waba_id": WABA, "time": 1, "value": value}
    return Envelope.new(c.WA_FIELD_RECEIVED, source="test", subject="unknown", data=data)


async def _templates(api: httpx.AsyncClient, who: dict[str, str], **params: str) -> list[Any]:
    response = await api.get("/api/v1/templates/", params=params, headers=who)
    assert response.status_code == 200, response.text
    found: list[Any] = response.json()["templates"]
    return found


async def _sync(api: httpx.AsyncClient, sim: LocalSimulator, world: World) -> dict[str, Any]:
    await sim.client.post(
        "/_sim/templates", json={"name": "order_update", "components": ORDER, "status": "APPROVED"}
    )
    await sim.client.post("/_sim/templates", json={"name": "promo", "components": ORDER})
    response = await api.post("/api/v1/templates/sync", headers=world.headers("org_admin@a"))
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_templates_are_synchronised_listed_and_changed_by_webhooks(
    api: httpx.AsyncClient,
    app: FastAPI,
    sim: LocalSimulator,
    world: World,
    topics: Topics,
    drain: Drain,
) -> None:
    await _number(api, world)
    assert (await _sync(api, sim, world))["synced"] == 2
    mine = world.headers("viewer@a")
    [approved] = await _templates(api, mine, status="approved")
    assert approved["name"] == "order_update"
    assert approved["requirements"]["header"] == 1 and approved["requirements"]["body"] == 2
    assert await _templates(api, world.headers("viewer@b")) == []
    assert len(await _templates(api, mine, language="en-US")) == 2

    await _fold(
        app,
        topics,
        _field(
            "message_template_status_update",
            {"event": "PAUSED", "message_template_id": int(approved["meta_id"]), "reason": None},
        ),
    )
    [paused] = await _templates(api, mine, name="order_update")
    assert paused["status"] == "PAUSED"
    # This template's snapshots, in their partition's order (the two templates' keys may sit
    # on different partitions, whose records come back in no particular order between them).
    snapshots = [
        orjson.loads(r.value)
        for r in await drain(topics.config)
        if r.key.decode().startswith("template:") and ":order_update:" in r.key.decode() and r.value
    ]
    assert snapshots[-1]["data"]["entity"]["status"] == "PAUSED"
    # A sync that no longer lists a template removes it (and tombstones its snapshot).
    sim.app.state.templates._templates.clear()
    assert (await api.post("/api/v1/templates/sync", headers=world.headers("org_admin@a"))).json()[
        "removed"
    ] == 2


async def test_a_broadcast_goes_once_per_recipient_skips_opt_outs_and_survives_a_restart(
    api: httpx.AsyncClient,
    app: FastAPI,
    sim: LocalSimulator,
    world: World,
    topics: Topics,
    producer: Producer,
    drain: Drain,
) -> None:
    number = await _number(api, world, mps=10)
    await _sync(api, sim, world)
    admin = world.headers("org_admin@a")
    phones = [f"55119999{i:05d}" for i in range(30)]
    refused = await api.post(
        "/api/v1/broadcasts/",
        json={
            "name": "bad",
            "number_id": number["id"],
            "template_name": "order_update",
            "csv": "phone,header,1\n5511999900001,7,Ada\n",
        },
        headers=admin,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"] == [
        "recipient 1: the body takes 2 parameter(s), 1 given"
    ]
    not_approved = await api.post(
        "/api/v1/broadcasts/",
        json={"name": "x", "number_id": number["id"], "template_name": "promo", "recipients": []},
        headers=admin,
    )
    assert not_approved.json()["error"]["code"] == "template_not_sendable"
    csv = "phone,header,1,2\n" + "".join(f"+{p},{i},Ada,{i}\n" for i, p in enumerate(phones))
    created = await api.post(
        "/api/v1/broadcasts/",
        json={
            "name": "May",
            "number_id": number["id"],
            "template_name": "order_update",
            "csv": csv,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    broadcast = created.json()
    assert broadcast["total"] == 30 and broadcast["counts"]["pending"] == 30
    assert (
        await api.post(
            f"/api/v1/broadcasts/{broadcast['id']}/pause", headers=world.headers("viewer@a")
        )
    ).status_code == 403
    assert (
        await api.get(f"/api/v1/broadcasts/{broadcast['id']}", headers=world.headers("org_admin@b"))
    ).status_code == 404

    # Two contacts opt out: Meta's marketing preference, and a STOP they sent.
    owner = str(world.org_a)
    stop = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "106540352242922"},
        "user_preferences": [
            {"wa_id": phones[3], "category": "marketing_messages", "value": "stop"}
        ],
    }
    said = {
        "phone_number_id": "106540352242922",
        "display_phone_number": None,
        "waba_id": WABA,
        "contact": {"wa_id": phones[4]},
        "message": {"id": "wamid.1", "type": "text", "text": "Stop"},
        "raw": {},
        "raw_contact": None,
    }
    await _fold(
        app,
        topics,
        _field("user_preferences", stop),
        Envelope.new(c.WA_MESSAGE_RECEIVED, source="test", subject="k", data=said),
    )

    clock = [0.0]
    runner = _runner(app, producer, topics, lambda: clock[0])
    assert await runner.tick() == 2  # 10 msg/s * 0.8, a burst of 0.25 s: two at once
    sent = 2
    for _ in range(5):  # the opted-out are skipped without costing the rate
        clock[0] += 1.0
        this = await runner.tick()
        assert this <= 2
        sent += this
    assert sent >= 8
    paused = await api.post(f"/api/v1/broadcasts/{broadcast['id']}/pause", headers=admin)
    assert paused.json()["status"] == "paused"
    clock[0] += 10
    assert await runner.tick() == 0
    assert (
        await api.post(f"/api/v1/broadcasts/{broadcast['id']}/pause", headers=admin)
    ).status_code == 409
    await api.post(f"/api/v1/broadcasts/{broadcast['id']}/resume", headers=admin)

    # A restart: a new runner (new buckets) goes on from the database.
    restarted = _runner(app, producer, topics, lambda: clock[0])
    while True:
        clock[0] += 5
        if not await restarted.tick():
            await restarted.tick()  # nobody pending: completed
            break
    sends = [r for r in await drain(topics.wa_outbound)]
    commands = [c.SendMessage.model_validate(orjson.loads(r.value)["data"]) for r in sends]
    outbound = [cmd.outbound_id for cmd in commands]
    assert len(outbound) == len(set(outbound)) == 28
    assert {cmd.contact.wa_id for cmd in commands} == set(phones) - {phones[3], phones[4]}
    assert all(
        r.key.decode() == f"106540352242922:{cmd.contact.wa_id}"
        for r, cmd in zip(sends, commands, strict=True)
    )
    assert commands[0].message.components[1]["parameters"][0] == {"type": "text", "text": "Ada"}

    # The sender's records come back through the deliveries projection.
    accepted = [
        Envelope.new(
            c.DELIVERY_ACCEPTED,
            source="test",
            subject="k",
            organization_id=owner,
            data={"outbound_id": o, "phone_number_id": "106540352242922", "wamid": f"w{i}"},
        )
        for i, o in enumerate(outbound[:20])
    ]
    ctx: Context = app.state.pytake
    handler = ProjectionHandler(topics, ctx.store.pool)
    async with ctx.store.pool.acquire() as conn, conn.transaction():
        await handler.apply(
            conn, [record_of(e, topics.wa_delivery, offset=i) for i, e in enumerate(accepted)]
        )
    done = (await api.get(f"/api/v1/broadcasts/{broadcast['id']}", headers=admin)).json()
    assert done["status"] == "completed"
    assert done["counts"]["accepted"] == 20 and done["counts"]["skipped"] == 2
    assert done["counts"]["queued"] == 8
    page = (
        await api.get(
            f"/api/v1/broadcasts/{broadcast['id']}/recipients",
            params={"per_page": 5},
            headers=admin,
        )
    ).json()
    assert [r["outcome"] for r in page["recipients"]][3:5] == ["skipped", "skipped"]
    assert page["total"] == 30
    cancelled = await api.post(f"/api/v1/broadcasts/{broadcast['id']}/cancel", headers=admin)
    assert cancelled.status_code == 409


async def test_a_broadcast_whose_template_is_paused_stops_with_the_reason(
    api: httpx.AsyncClient,
    app: FastAPI,
    sim: LocalSimulator,
    world: World,
    topics: Topics,
    producer: Producer,
) -> None:
    number = await _number(api, world)
    await _sync(api, sim, world)
    admin = world.headers("org_admin@a")
    created = (
        await api.post(
            "/api/v1/broadcasts/",
            json={
                "name": "x",
                "number_id": number["id"],
                "template_name": "order_update",
                "recipients": [{"phone": "5511999990001", "header": "1", "body": ["a", "b"]}],
            },
            headers=admin,
        )
    ).json()
    [template] = await _templates(api, admin, name="order_update")
    await _fold(
        app,
        topics,
        _field(
            "message_template_status_update",
            {"event": "PAUSED", "message_template_id": int(template["meta_id"])},
        ),
    )
    runner = _runner(app, producer, topics, time.monotonic)
    assert await runner.tick() == 0
    after = (await api.get(f"/api/v1/broadcasts/{created['id']}", headers=admin)).json()
    assert after["status"] == "paused" and "PAUSED" in after["status_reason"]
    uuid.UUID(after["id"])
