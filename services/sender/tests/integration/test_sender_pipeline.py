"""The sender as it runs: a consumer loop feeding per-contact lanes, against the Meta simulator
with faults. Counted at the simulator: what Meta accepted, how often, in which order, how fast."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.domain.retry import RetryPolicy
from pytake_sender.handlers import Pacing, SenderHandler
from pytake_shared import contracts as c
from pytake_shared.config import ConfigView, NumberConfig, snapshot
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import ConsumerLoop, Producer
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics

NUMBER_ID = "106540352242922"
BOX_KEY = "pipeline-test"


def _config(mps: int | None = None) -> ConfigView:
    from pytake_shared.secrets import SecretBox

    box = SecretBox(BOX_KEY)
    view = ConfigView(ServiceSettings(), box)
    number = NumberConfig(
        id="n",
        organization_id="org-1",
        phone_number_id=NUMBER_ID,
        access_token="tok",
        messages_per_second=mps,
    )
    env = snapshot("number", number, source="t", box=box)
    view.apply(env.subject, env.to_bytes())
    return view


def _send(contact: str, n: int) -> Envelope:
    outbound_id = f"out-{contact}-{n}"
    cmd = c.SendCommand(
        outbound_id=outbound_id,
        organization_id="org-1",
        phone_number_id=NUMBER_ID,
        contact=c.Contact(id=contact, wa_id=contact),
        message=c.OutboundMessage(kind="text", text=f"{contact} #{n}"),
    )
    return Envelope.new(
        c.OUT_SEND,
        id=deterministic_id("t", outbound_id),
        source="t",
        subject=f"{NUMBER_ID}:{contact}",
        data=cmd.model_dump(mode="json"),
    )


async def _accepted(base_url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        found = (await client.get(f"{base_url}/_sim/messages")).json()["messages"]
    return [m for m in found if m["status"] == 200]


async def _run(
    settings: ServiceSettings,
    topics: Topics,
    handler: SenderHandler,
    producer: Producer,
    base_url: str,
    expect: int,
    timeout_s: float,
) -> list[dict[str, Any]]:
    loop = ConsumerLoop(
        settings,
        topics=[topics.wa_outbound],
        group_id=f"{topics.namespace}-sender",
        handler=handler,
        producer=producer,
    )
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(timeout_s):
            while len(await _accepted(base_url)) < expect:
                await asyncio.sleep(0.25)
        await asyncio.sleep(0.5)  # a duplicate would show up right behind
        return await _accepted(base_url)
    finally:
        loop.stop()
        await asyncio.wait_for(task, 30)
        await handler.close()


async def test_with_30_percent_faults_every_message_is_accepted_once_in_order_per_contact(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    simulator: Any,
    sender_pool: asyncpg.Pool,
    producer: Producer,
) -> None:
    contacts = [f"55119{i:06d}" for i in range(200)]
    await producer.send_many(
        (topics.wa_outbound, _send(contact, n)) for n in range(10) for contact in contacts
    )
    async with simulator(timeout_s=0.3, error_rate=0.3, timeout_seconds=0.6) as (base_url, graph):
        handler = SenderHandler(
            topics,
            _config(mps=1000),
            OutboundLedger(sender_pool),
            graph,
            producer,
            pacing=Pacing(mps=1000, pair_burst=20, pair_interval_s=6),
            policy=RetryPolicy(base_s=0.01, cap_s=0.2, max_attempts=60),
            rng=random.Random(1),
        )
        accepted = await _run(make_settings(), topics, handler, producer, base_url, 2000, 180)
    by_contact: dict[str, list[str]] = defaultdict(list)
    for call in accepted:
        by_contact[call["body"]["to"].lstrip("+")].append(call["body"]["text"]["body"])
    assert len(accepted) == 2000
    for contact in contacts:
        assert by_contact[contact] == [f"{contact} #{n}" for n in range(10)], contact
    rows = await sender_pool.fetch("SELECT status, count(*) FROM sender.outbound_ledger GROUP BY 1")
    assert {r["status"]: r["count"] for r in rows} == {"accepted": 2000}


async def test_sends_to_one_number_never_outpace_its_configured_rate(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    simulator: Any,
    sender_pool: asyncpg.Pool,
    producer: Producer,
) -> None:
    rate = 200
    await producer.send_many((topics.wa_outbound, _send(f"55118{i:06d}", 0)) for i in range(1000))
    async with simulator() as (base_url, graph):
        handler = SenderHandler(
            topics, _config(mps=rate), OutboundLedger(sender_pool), graph, producer
        )
        accepted = await _run(make_settings(), topics, handler, producer, base_url, 1000, 60)
    times = sorted(call["time"] for call in accepted)
    # A token bucket of `rate` per second holding `rate` tokens: in any window of T seconds at
    # most rate + rate * T calls (small slack for the simulator's clock reading).
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t < start + 1.0)
        assert in_window <= 2 * rate + 5, f"{in_window} calls within 1 s from {start}"
    assert times[-1] - times[0] >= (1000 - rate) / rate - 0.2


async def test_bursts_to_one_contact_follow_the_pair_rate(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    simulator: Any,
    sender_pool: asyncpg.Pool,
    producer: Producer,
) -> None:
    await producer.send_many((topics.wa_outbound, _send("551177", n)) for n in range(6))
    # The simulator enforces Meta's rule slightly more loosely than our pacer paces.
    async with simulator(pair_rate_limit=True, pair_burst=3, pair_refill_per_second=2.5) as (
        base_url,
        graph,
    ):
        handler = SenderHandler(
            topics,
            _config(),
            OutboundLedger(sender_pool),
            graph,
            producer,
            pacing=Pacing(pair_burst=3, pair_interval_s=0.5),
        )
        accepted = await _run(make_settings(), topics, handler, producer, base_url, 6, 30)
        async with httpx.AsyncClient() as client:
            calls = (await client.get(f"{base_url}/_sim/messages")).json()["messages"]
    assert [call["status"] for call in calls] == [200] * 6  # paced: never a 131056
    times = [call["time"] for call in accepted]
    texts = [call["body"]["text"]["body"] for call in accepted]
    assert texts == [f"551177 #{n}" for n in range(6)]
    # A burst of 3, then one every 0.5 s: the 4th no sooner than 0.5 s after the first...
    assert times[3] - times[0] >= 0.45 and times[5] - times[0] >= 1.45
