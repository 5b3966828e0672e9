"""The consumer loop feeding a `PipelinedHandler`, against the real broker: records finish out
of order and only what is below the first unfinished one is committed; poison records; bugs;
backpressure; rebalance."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from pytake_shared.envelope import Envelope
from pytake_shared.errors import ConsumerHalted
from pytake_shared.kafka import PipelinedHandler, Producer, Record
from pytake_shared.kafka.handlers import ParkFn
from pytake_shared.kafka.strategies import Pipelined
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics, dlq

from .consumer_kit import Pace, a_member_joins_and_leaves_mid_stream, committed, item, member


class Held(PipelinedHandler):
    """Keeps every record's future for the test to finish; parks the ones it is told to."""

    def __init__(self, park: set[int] | None = None, bug: int | None = None) -> None:
        self.futures: dict[int, asyncio.Future[bool]] = {}
        self.park = park or set()
        self.bug = bug

    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        n = record.envelope.data["n"]
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if n in self.park:
            await park(record, f"invalid: {n} is poison")
            done.set_result(False)
        elif n == self.bug:
            done.set_exception(ValueError("a bug in the lane"))
        self.futures[n] = done
        return done

    def finish(self, *ns: int) -> None:
        for n in ns:
            self.futures[n].set_result(True)


async def _committed_becomes(
    bootstrap: str, group: str, topic: str, expected: dict[int, int]
) -> None:
    async with asyncio.timeout(15):
        while await committed(bootstrap, group, topic) != expected:
            await asyncio.sleep(0.1)


async def test_only_offsets_below_the_first_unfinished_record_are_committed(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    kafka_bootstrap: str,
) -> None:
    await started_producer.send_many([(topics.wa_outbound, item(n)) for n in range(6)])
    group = f"{topics.namespace}-held"
    handler = Held()
    loop = member(
        make_settings(), topics.wa_outbound, group, handler, started_producer, max_records=2
    )
    assert isinstance(loop.strategy, Pipelined)
    loop.strategy.MAX_INFLIGHT = 4  # past four in flight the partition pauses
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(20):
            while len(handler.futures) < 4:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        assert sorted(handler.futures) == [0, 1, 2, 3]  # paused: the rest waits in Kafka
        (tp,) = loop.consumer.paused()
        handler.finish(1, 2, 3)  # finished after a record before them
        await asyncio.sleep(0.5)
        assert await committed(kafka_bootstrap, group, topics.wa_outbound) == {}
        handler.finish(0)
        await _committed_becomes(kafka_bootstrap, group, topics.wa_outbound, {tp.partition: 4})
        async with asyncio.timeout(20):  # resumed once fewer than half are in flight
            while len(handler.futures) < 6:
                await asyncio.sleep(0.02)
        handler.finish(5)  # 4 is still in flight: nothing past it
        await asyncio.sleep(0.5)
        assert await committed(kafka_bootstrap, group, topics.wa_outbound) == {tp.partition: 4}
        handler.finish(4)
        await _committed_becomes(kafka_bootstrap, group, topics.wa_outbound, {tp.partition: 6})
    finally:
        loop.stop()
        await asyncio.wait_for(task, 20)


async def test_poison_records_are_parked_in_place_and_committed_past(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    read_topic: Callable[..., Any],
    kafka_bootstrap: str,
) -> None:
    await started_producer.send_many([(topics.wa_outbound, item(n)) for n in range(2)])
    await started_producer.send_raw(topics.wa_outbound, b"{not json", key=b"same-key", headers=[])
    await started_producer.send_many([(topics.wa_outbound, item(n)) for n in range(2, 4)])
    group = f"{topics.namespace}-poison"
    handler = Held(park={2})
    loop = member(make_settings(), topics.wa_outbound, group, handler, started_producer)
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(20):
            while len(handler.futures) < 4:
                await asyncio.sleep(0.02)
        handler.finish(0, 1, 3)
        async with asyncio.timeout(15):  # the undecodable record and the parked one included
            while sum((await committed(kafka_bootstrap, group, topics.wa_outbound)).values()) < 5:
                await asyncio.sleep(0.1)
    finally:
        loop.stop()
        await asyncio.wait_for(task, 20)
    garbage, parked = await read_topic(dlq(topics.wa_outbound), 2)
    assert garbage.value == b"{not json"
    assert dict(garbage.headers)["dlq.reason"].startswith(b"undecodable: value is not JSON")
    assert Envelope.from_bytes(parked.value).data == {"n": 2}
    assert dict(parked.headers)["dlq.reason"] == b"invalid: 2 is poison"


async def test_too_many_parked_in_a_row_halts_the_consumer(
    make_settings: Callable[..., ServiceSettings], topics: Topics, started_producer: Producer
) -> None:
    await started_producer.send_many([(topics.wa_outbound, item(n)) for n in range(10)])
    loop = member(
        make_settings(dlq_max_consecutive=3),
        topics.wa_outbound,
        f"{topics.namespace}-halt",
        Held(park=set(range(10))),
        started_producer,
    )
    with pytest.raises(ConsumerHalted, match="4 records parked in a row"):
        await asyncio.wait_for(loop.run(), 30)


class Bug(Held):
    """Every record finishes at once, but `bug` fails with a bug."""

    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        done = await super().submit(record, park)
        if not done.done():
            done.set_result(True)
        return done


async def test_a_bug_in_a_pipelined_record_stops_the_consumer_before_its_offset(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    kafka_bootstrap: str,
    drain: Any,
) -> None:
    await started_producer.send_many([(topics.wa_outbound, item(n)) for n in range(5)])
    group = f"{topics.namespace}-p"
    loop = member(make_settings(), topics.wa_outbound, group, Bug(bug=3), started_producer)
    with pytest.raises(ValueError, match="a bug in the lane"):
        await asyncio.wait_for(loop.run(), 30)
    # Everything before the bug is committed, the record with it is not: the restart redoes it.
    assert set((await committed(kafka_bootstrap, group, topics.wa_outbound)).values()) == {3}
    assert await drain(dlq(topics.wa_outbound)) == []


class Worker(PipelinedHandler):
    """Finishes records one at a time in the order submitted, holding submissions back while
    ten wait (backpressure, as the sender's lanes do)."""

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.pace = Pace(log)
        self._queue: asyncio.Queue[tuple[Record, asyncio.Future[bool]]] = asyncio.Queue(10)
        self._task: asyncio.Task[None] | None = None

    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        if self._task is None:
            self._task = asyncio.create_task(self._work())
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((record, done))
        return done

    async def _work(self) -> None:
        while True:
            record, done = await self._queue.get()
            await self.pace.step(record)
            done.set_result(True)


async def test_a_member_joining_and_leaving_loses_nothing_and_keeps_order_per_key(
    make_settings: Callable[..., ServiceSettings], topics: Topics, started_producer: Producer
) -> None:
    workers: list[Worker] = []

    def make(log: list[tuple[str, int]]) -> tuple[Worker, Pace]:
        workers.append(Worker(log))
        return workers[-1], workers[-1].pace

    try:
        await a_member_joins_and_leaves_mid_stream(
            make_settings(kafka_session_timeout_ms=6000), topics, started_producer, make
        )
    finally:
        for worker in workers:
            if worker._task is not None:
                worker._task.cancel()
