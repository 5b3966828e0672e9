"""The sender as it runs: a consumer loop feeding per-contact lanes, against the Meta simulator
with faults. Counted at the simulator: what Meta accepted, how often, in which order, how fast."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
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
    cmd = c.SendMessage(
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


def _member(
    settings: ServiceSettings, topics: Topics, handler: SenderHandler, producer: Producer
) -> ConsumerLoop:
    """A sender instance's consumer: a member of the test's sender group on wa.outbound.v1."""
    return ConsumerLoop(
        settings,
        topics=[topics.wa_outbound],
        group_id=f"{topics.namespace}-sender",
        handler=handler,
        producer=producer,
    )


async def _run(
    settings: ServiceSettings,
    topics: Topics,
    handler: SenderHandler,
    producer: Producer,
    base_url: str,
    expect: int | Callable[[], Awaitable[int]],
    timeout_s: float,
) -> list[dict[str, Any]]:
    """Run the sender until `expect` sends are accepted (or `expect()` reaches 2000)."""

    async def done() -> bool:
        if callable(expect):
            return await expect() >= 2000
        return len(await _accepted(base_url)) >= expect

    loop = _member(settings, topics, handler, producer)
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(timeout_s):
            while not await done():
                await asyncio.sleep(0.25)
        await asyncio.sleep(0.5)  # a duplicate would show up right behind
        return await _accepted(base_url)
    finally:
        loop.stop()
        await asyncio.wait_for(task, 30)
        await handler.close()


def _sender(
    topics: Topics, pool: asyncpg.Pool, graph: Any, producer: Producer, resend: bool
) -> SenderHandler:
    return SenderHandler(
        topics,
        _config(mps=1000),
        OutboundLedger(pool),
        graph,
        producer,
        pacing=Pacing(
            mps=1000,
            pair_burst=20,
            pair_interval_s=6,
            confirm_wait_s=0.2,
            resend_unconfirmed=resend,
        ),
        policy=RetryPolicy(base_s=0.01, cap_s=0.2, max_attempts=60),
        rng=random.Random(1),
    )


def _texts(calls: list[dict[str, Any]]) -> dict[str, list[str]]:
    by_contact: dict[str, list[str]] = defaultdict(list)
    for call in calls:
        by_contact[call["body"]["to"].lstrip("+")].append(call["body"]["text"]["body"])
    return by_contact


def _assert_paced(times: list[float], rate: int) -> None:
    """Calls (times at the simulator, sorted) paced by a token bucket of `rate` per second
    holding `rate`: the rate in the long run, and at most rate + rate * T in any T seconds.
    Slack (a second's worth of calls, 25 %): the simulator reads its clock when it gets to a
    call, and on a busy machine the first burst's calls (opening connections, in the same
    event loop as the simulator) arrive late, bunched with the ones paced after them."""
    assert times[-1] - times[0] >= (len(times) - 2 * rate) / rate
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t < start + 1.0)
        assert in_window <= 2 * rate * 1.25, f"{in_window} calls within 1 s from {start}"


CONTACTS = [f"55119{i:06d}" for i in range(200)]


async def test_with_30_percent_faults_nothing_is_sent_twice_and_every_message_is_accounted_for(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    simulator: Any,
    sender_pool: asyncpg.Pool,
    producer: Producer,
) -> None:
    """The default: at most once. A timeout leaves the outcome unknown; with no status webhook
    to confirm it (this simulator sends none) the message is marked indefinite, never resent."""
    await producer.send_many(
        (topics.wa_outbound, _send(contact, n)) for n in range(10) for contact in CONTACTS
    )
    async with simulator(timeout_s=2.0, error_rate=0.3, timeout_seconds=3.0) as (base_url, graph):
        handler = _sender(topics, sender_pool, graph, producer, resend=False)

        async def settled() -> int:
            rows = await sender_pool.fetch(
                "SELECT count(*) FROM sender.outbound_ledger "
                "WHERE status IN ('accepted', 'indefinite')"
            )
            return int(rows[0]["count"])

        accepted = await _run(make_settings(), topics, handler, producer, base_url, settled, 180)
        async with httpx.AsyncClient() as client:
            calls = (await client.get(f"{base_url}/_sim/messages")).json()["messages"]
    rows = await sender_pool.fetch("SELECT outbound_id, status FROM sender.outbound_ledger")
    status = {r["outbound_id"]: r["status"] for r in rows}
    assert len(status) == 2000 and set(status.values()) <= {"accepted", "indefinite"}
    texts = [call["body"]["text"]["body"] for call in accepted]
    assert len(texts) == len(set(texts)) == list(status.values()).count("accepted")
    timed_out = [c["body"]["text"]["body"] for c in calls if c["status"] == 504]
    for outbound_id, verdict in status.items():
        if verdict == "indefinite":  # its one unanswered call, and nothing after it
            contact, n = outbound_id.removeprefix("out-").split("-")
            assert timed_out.count(f"{contact} #{n}") >= 1
            assert f"{contact} #{n}" not in texts
    for contact, sent in _texts(accepted).items():
        assert sent == sorted(sent, key=lambda t: int(t.split("#")[1])), contact


async def test_resending_unconfirmed_outcomes_accepts_every_message_once_in_order(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    simulator: Any,
    sender_pool: asyncpg.Pool,
    producer: Producer,
) -> None:
    """`SENDER_RESEND_UNCONFIRMED=true`: at least once. Here every timeout is one Meta did not
    take, so each message is accepted exactly once; were the answer lost, it would be twice."""
    await producer.send_many(
        (topics.wa_outbound, _send(contact, n)) for n in range(10) for contact in CONTACTS
    )
    async with simulator(timeout_s=2.0, error_rate=0.3, timeout_seconds=3.0) as (base_url, graph):
        handler = _sender(topics, sender_pool, graph, producer, resend=True)
        accepted = await _run(make_settings(), topics, handler, producer, base_url, 2000, 180)
    by_contact = _texts(accepted)
    assert len(accepted) == 2000
    for contact in CONTACTS:
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
    _assert_paced(times, rate)


async def test_two_sender_instances_together_keep_a_numbers_rate(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    simulator: Any,
    sender_pool: asyncpg.Pool,
    producer: Producer,
) -> None:
    """A number's rate is Meta's for the deployment: two instances in one group send at most
    that together (each at its partitions' share), not twice that."""
    rate, count = 100, 600
    async with simulator() as (base_url, graph):
        handlers = [
            SenderHandler(topics, _config(mps=rate), OutboundLedger(sender_pool), graph, producer)
            for _ in range(2)
        ]
        loops = [_member(make_settings(), topics, h, producer) for h in handlers]
        tasks = [asyncio.create_task(loop.run()) for loop in loops]
        try:
            async with asyncio.timeout(90):
                while (
                    not all(h.owned for h in handlers)
                    or sum(len(h.owned) for h in handlers) != topics.partitions
                ):
                    await asyncio.sleep(0.1)  # both members in, the partitions split
                await producer.send_many(
                    (topics.wa_outbound, _send(f"55117{i:06d}", 0)) for i in range(count)
                )
                while len(accepted := await _accepted(base_url)) < count:
                    await asyncio.sleep(0.25)
        finally:
            for loop in loops:
                loop.stop()
            await asyncio.wait_for(asyncio.gather(*tasks), 30)
            for handler in handlers:
                await handler.close()
    times = sorted(call["time"] for call in accepted)
    # Together one bucket of the number's rate: twice as long as two instances at the whole
    # rate each would take, and half as many calls in any second.
    _assert_paced(times, rate)


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
    # A burst of 3, then one every 0.5 s: the 4th no sooner than 0.5 s after the first, the
    # 6th 1.5 s after. Measured at the simulator, where the first call arrives late by the time
    # it took to open its connection (tens of ms on a busy machine): 0.1 s of slack.
    assert times[3] - times[0] >= 0.4 and times[5] - times[0] >= 1.4


def _cancel(contact: str, conversation_id: str) -> Envelope:
    cmd = c.CancelSends(organization_id="org-1", conversation_id=conversation_id, reason="closed")
    return Envelope.new(
        c.OUT_CANCEL,
        source="t",
        subject=f"{NUMBER_ID}:{contact}",
        data=cmd.model_dump(mode="json"),
    )


def _conversation_send(contact: str, n: int, author: str = "bot") -> Envelope:
    env = _send(contact, n)
    data = {**env.data, "conversation_id": "conv-1", "author": author}
    return Envelope.new(c.OUT_SEND, id=env.id, source="t", subject=env.subject, data=data)


async def test_a_closed_conversations_bot_backlog_is_cancelled_not_sent(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    simulator: Any,
    sender_pool: asyncpg.Pool,
    producer: Producer,
    drain: Any,
) -> None:
    """A flow queued many messages; the pair rate spaces them out over minutes; the
    conversation closes meanwhile: what is still waiting is never sent (an agent's still is)."""
    contact = "551188"
    sends = [_conversation_send(contact, n) for n in range(8)]
    sends.insert(5, _conversation_send(contact, 99, author="agent"))
    await producer.send_many(
        [(topics.wa_outbound, e) for e in [*sends, _cancel(contact, "conv-1")]]
    )
    async with simulator() as (base_url, graph):
        handler = SenderHandler(
            topics,
            _config(),
            OutboundLedger(sender_pool),
            graph,
            producer,
            pacing=Pacing(pair_burst=2, pair_interval_s=0.3),
        )

        async def settled() -> int:
            rows = await sender_pool.fetch(
                "SELECT count(*) FROM sender.outbound_ledger "
                "WHERE status IN ('accepted', 'cancelled')"
            )
            return int(rows[0]["count"]) * 2000 // 9  # `_run` waits for 2000: all nine

        accepted = await _run(make_settings(), topics, handler, producer, base_url, settled, 30)
    texts = [call["body"]["text"]["body"] for call in accepted]
    assert f"{contact} #99" in texts  # the agent's message still goes
    assert set(texts) <= {f"{contact} #0", f"{contact} #1", f"{contact} #99"}  # the burst at most
    rows = await sender_pool.fetch("SELECT outbound_id, status FROM sender.outbound_ledger")
    cancelled = {r["outbound_id"] for r in rows if r["status"] == "cancelled"}
    assert all(f"out-{contact}-{n}" in cancelled for n in range(2, 8))
    kinds = [Envelope.from_bytes(r.value).type for r in await drain(topics.wa_delivery)]
    assert kinds.count(c.DELIVERY_CANCELLED) == len(cancelled)
