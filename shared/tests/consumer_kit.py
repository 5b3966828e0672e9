"""What the consumer loop's tests share: records to send, running a loop until a condition,
the committed offsets, and the rebalance scenario every strategy must pass."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from pytake_shared.envelope import Envelope
from pytake_shared.kafka import ConsumerLoop, Handler, Producer, Record
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics


def member(
    settings: ServiceSettings,
    topic: str,
    group: str,
    handler: Handler,
    producer: Producer,
    max_records: int | None = None,
    poll_interval_ms: int = 0,
) -> ConsumerLoop:
    """A loop consuming `topic` as `group`; the environment is retried at a test's pace."""
    loop = ConsumerLoop(
        settings,
        topics=[topic],
        group_id=group,
        handler=handler,
        producer=producer,
        max_records=max_records,
        poll_interval_ms=poll_interval_ms,
    )
    loop.retry.base_s = 0.01
    return loop


def item(n: int, subject: str = "same-key") -> Envelope:
    return Envelope.new("test.item", source="test", subject=subject, data={"n": n})


async def run_until(loop: ConsumerLoop, cond: Callable[[], bool], timeout: float = 30) -> None:
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(timeout):
            while not cond():
                if task.done():
                    task.result()
                await asyncio.sleep(0.05)
    finally:
        loop.stop()
        await asyncio.wait_for(task, 20)


async def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offsets on `topic` (without joining the group)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        async with asyncio.timeout(10):
            while not partitions:
                await consumer._client.force_metadata_update()
                partitions = consumer.partitions_for_topic(topic)
        found = {p: await consumer.committed(TopicPartition(topic, p)) for p in partitions}
        return {p: off for p, off in found.items() if off is not None}
    finally:
        await consumer.stop()


TOTAL = 400
KEYS = 20


class Pace:
    """Records what a handler handled, slowly enough that a rebalance lands mid-stream: once a
    quarter is done it slows down further until its peer has handled something, so a busy
    machine's slow rebalance cannot let it finish everything alone."""

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self._log = log
        self.count = 0
        self.peer: Pace | None = None

    async def step(self, record: Record) -> None:
        waiting = self.peer is not None and self.peer.count == 0 and self.count >= TOTAL // 4
        await asyncio.sleep(0.05 if waiting else 0.004)
        self._log.append((record.envelope.subject, record.envelope.data["n"]))
        self.count += 1


async def a_member_joins_and_leaves_mid_stream(
    settings: ServiceSettings,
    topics: Topics,
    producer: Producer,
    make: Callable[[list[tuple[str, int]]], tuple[Handler, Pace]],
) -> None:
    """Two loops in one group, the second joining and the first leaving mid-stream: nothing is
    lost and each key's records are first handled in order."""
    await producer.send_many(
        (topics.commands, item(n, subject=f"key{n % KEYS}")) for n in range(TOTAL)
    )
    handled: list[tuple[str, int]] = []
    group = f"{topics.namespace}-rebalance"

    (first_handler, first_pace), (second_handler, second_pace) = make(handled), make(handled)
    first, second = (
        member(settings, topics.commands, group, h, producer, max_records=20)
        for h in (first_handler, second_handler)
    )
    first_pace.peer = second_pace
    task_a = asyncio.create_task(first.run())
    async with asyncio.timeout(60):
        while first_pace.count < TOTAL // 4:
            await asyncio.sleep(0.01)
        task_b = asyncio.create_task(second.run())
        while second_pace.count == 0:
            await asyncio.sleep(0.01)
        first.stop()  # a clean leave mid-stream: b takes the rest
        await task_a
        while len({n for _, n in handled}) < TOTAL:
            await asyncio.sleep(0.02)
    second.stop()
    await asyncio.wait_for(task_b, 20)

    assert {n for _, n in handled} == set(range(TOTAL))
    assert first_pace.count > 0 and second_pace.count > 0
    for key in range(KEYS):
        firsts: list[int] = []
        for subject, n in handled:
            if subject == f"key{key}" and n not in firsts:
                firsts.append(n)
        assert firsts == sorted(firsts), f"key{key} handled out of order: {firsts}"
