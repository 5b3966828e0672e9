"""The consumer loop with batched handlers and handler-stored offsets (real broker)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput, TransientError
from pytake_shared.kafka import ConsumerLoop, Producer, Record, RecordHandler
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics, dlq


def _env(n: int) -> Envelope:
    return Envelope.new("test.item", source="test", subject="same-key", data={"n": n})


async def _run_until(loop: ConsumerLoop, cond: Callable[[], bool], timeout: float = 20) -> None:
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


class AllOrNothing(RecordHandler):
    """A batched handler whose batch fails as a whole if any record in it is poison."""

    batched = True

    def __init__(self, poison: set[int]) -> None:
        self.poison = poison
        self.batches: list[list[int]] = []
        self.seen: list[int] = []

    async def handle_batch(self, records: Sequence[Record]) -> None:
        ns = [r.envelope.data["n"] for r in records]
        self.batches.append(ns)
        if self.poison & set(ns):
            raise InvalidInput(f"poison in {ns}")
        self.seen.extend(ns)

    async def handle(self, record: Record) -> None:
        await self.handle_batch([record])


async def test_a_failed_batch_is_replayed_one_by_one_and_only_poison_is_parked_in_place(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    read_topic: Callable[..., Any],
    kafka_bootstrap: str,
) -> None:
    await started_producer.send_many([(topics.commands, _env(n)) for n in range(3)])
    await started_producer.send_raw(topics.commands, b"{not json", key=b"same-key", headers=[])
    await started_producer.send_many([(topics.commands, _env(n)) for n in range(3, 6)])
    handler = AllOrNothing(poison={4})
    loop = ConsumerLoop(
        make_settings(),
        topics=[topics.commands],
        group_id=f"{topics.namespace}-batch",
        handler=handler,
        producer=started_producer,
    )
    await _run_until(loop, lambda: sorted(handler.seen) == [0, 1, 2, 3, 5])
    assert handler.seen == [0, 1, 2, 3, 5]  # order kept through the split and the fallback
    assert [0, 1, 2] in handler.batches  # the undecodable record split the batch there
    garbage, parked = await read_topic(dlq(topics.commands), 2)
    assert garbage.value == b"{not json"
    assert dict(garbage.headers)["dlq.reason"].startswith(b"undecodable: value is not JSON")
    assert Envelope.from_bytes(parked.value).data == {"n": 4}
    headers = dict(parked.headers)
    assert headers["dlq.reason"].startswith(b"invalid: poison in [4]")
    assert headers["dlq.group"] == f"{topics.namespace}-batch".encode()
    assert headers["type"] == b"test.item"  # the original headers are kept
    # Everything, parked records included, is committed: 3 + 1 undecodable + 3 records.
    group = f"{topics.namespace}-batch"
    assert list((await _committed(kafka_bootstrap, group, topics.commands)).values()) == [7]


class AcrossPartitions(AllOrNothing):
    across_partitions = True


async def test_a_handler_across_partitions_gets_the_whole_poll_in_one_batch(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    read_topic: Callable[..., Any],
    kafka_bootstrap: str,
) -> None:
    # Twelve keys over the partitions, three records each, and one undecodable record.
    items = [
        Envelope.new("test.item", source="test", subject=f"key-{n % 12}", data={"n": n})
        for n in range(36)
    ]
    await started_producer.send_many([(topics.commands, env) for env in items])
    await started_producer.send_raw(topics.commands, b"{not json", key=b"key-0", headers=[])
    handler = AcrossPartitions(poison={7})
    loop = ConsumerLoop(
        make_settings(),
        topics=[topics.commands],
        group_id=f"{topics.namespace}-across",
        handler=handler,
        producer=started_producer,
    )
    await _run_until(loop, lambda: len(handler.seen) == 35)
    assert sorted(handler.seen) == [n for n in range(36) if n != 7]
    # Batches mix partitions, and each key's records stay in order.
    mixed = [b for b in handler.batches if len({n % 12 for n in b}) > 1]
    assert mixed, handler.batches
    for key in range(12):
        mine = [n for n in handler.seen if n % 12 == key]
        assert mine == sorted(mine)
    parked = {
        dict(r.headers)["dlq.reason"][:9]: r.value
        for r in await read_topic(dlq(topics.commands), 2)
    }
    assert parked[b"undecodab"] == b"{not json"
    assert Envelope.from_bytes(parked[b"invalid: "]).data["n"] == 7
    # Every partition's offset is committed past what it held, the parked records included.
    committed = await _committed(kafka_bootstrap, f"{topics.namespace}-across", topics.commands)
    assert sum(committed.values()) == 37


class ResumesFromStore(RecordHandler):
    """Says it already applied everything before offset 3 of every partition it gets."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.assigned: set[TopicPartition] = set()

    async def on_assigned(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        self.assigned |= partitions
        return {tp: 3 for tp in partitions}

    async def handle(self, record: Record) -> None:
        self.seen.append(record.envelope.data["n"])


async def test_the_loop_resumes_from_the_offsets_the_handler_stored(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
) -> None:
    await started_producer.send_many([(topics.commands, _env(n)) for n in range(5)])
    handler = ResumesFromStore()
    loop = ConsumerLoop(
        make_settings(),
        topics=[topics.commands],
        group_id=f"{topics.namespace}-resume",
        handler=handler,
        producer=started_producer,
    )
    await _run_until(loop, lambda: len(handler.seen) >= 2)
    assert handler.seen == [3, 4]
    assert {tp.topic for tp in handler.assigned} == {topics.commands}
    assert loop.assigned.is_set()


def test_the_consumer_of_a_loop_that_is_not_running_is_not_available() -> None:
    loop = ConsumerLoop(
        ServiceSettings(),
        topics=["t"],
        group_id="g",
        handler=RecordHandler(),
        producer=Producer(ServiceSettings()),
    )
    with pytest.raises(RuntimeError, match="not started"):
        _ = loop.consumer


class AlwaysDown(RecordHandler):
    """The database stays down for the loop's whole life."""

    def __init__(self) -> None:
        self.attempts = 0

    async def handle(self, record: Record) -> None:
        self.attempts += 1
        raise TransientError("database down")


async def test_a_stop_during_transient_retries_gives_up_and_commits_nothing(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    kafka_bootstrap: str,
) -> None:
    settings = make_settings()
    group = f"{topics.namespace}-restart"
    await started_producer.send(topics.commands, _env(7))
    down = AlwaysDown()
    loop = ConsumerLoop(
        settings,
        topics=[topics.commands],
        group_id=group,
        handler=down,
        producer=started_producer,
    )
    loop.RETRY_BASE_S = 0.01
    task = asyncio.create_task(loop.run())
    async with asyncio.timeout(20):
        while down.attempts < 2:
            await asyncio.sleep(0.02)
    loop.stop()
    with pytest.raises(TransientError, match="database down"):
        await asyncio.wait_for(task, 20)

    # Nothing was committed: the group's next member starts at the record again.
    assert await _committed(kafka_bootstrap, group, topics.commands) == {}


async def _committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
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


class DownThenUp(RecordHandler):
    """A batched handler whose database is away for its first `down` batches."""

    batched = True

    def __init__(self, down: int) -> None:
        self.down = down
        self.batches: list[list[int]] = []

    async def handle_batch(self, records: Sequence[Record]) -> None:
        self.batches.append([r.envelope.data["n"] for r in records])
        if self.down:
            self.down -= 1
            raise ConnectionResetError(104, "Connection reset by peer")

    async def handle(self, record: Record) -> None:
        raise AssertionError("a batch the environment failed is retried whole, not split")


async def test_a_batch_the_environment_failed_is_retried_whole_until_it_is_back(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    drain: Any,
) -> None:
    await started_producer.send_many([(topics.commands, _env(n)) for n in range(5)])
    handler = DownThenUp(down=3)
    loop = ConsumerLoop(
        make_settings(),
        topics=[topics.commands],
        group_id=f"{topics.namespace}-g",
        handler=handler,
        producer=started_producer,
    )
    loop.RETRY_BASE_S = 0.01
    await _run_until(loop, lambda: handler.down == 0 and len(handler.batches) >= 4)
    assert handler.batches[:4] == [handler.batches[0]] * 4
    assert sorted(n for batch in handler.batches[3:] for n in batch) == list(range(5))
    assert await drain(dlq(topics.commands)) == []


class Pipelined(RecordHandler):
    """A pipelined handler whose record `bug` fails with a bug after the others finished."""

    pipelined = True

    def __init__(self, bug: int) -> None:
        self.bug = bug

    async def submit(self, record: Record, park: Any) -> asyncio.Future[bool]:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if record.envelope.data["n"] == self.bug:
            done.set_exception(ValueError("a bug in the lane"))
        else:
            done.set_result(True)
        return done


async def test_a_bug_in_a_pipelined_record_stops_the_consumer_before_its_offset(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    kafka_bootstrap: str,
    drain: Any,
) -> None:
    await started_producer.send_many([(topics.wa_outbound, _env(n)) for n in range(5)])
    group = f"{topics.namespace}-p"
    loop = ConsumerLoop(
        make_settings(),
        topics=[topics.wa_outbound],
        group_id=group,
        handler=Pipelined(bug=3),
        producer=started_producer,
    )
    with pytest.raises(ValueError, match="a bug in the lane"):
        await asyncio.wait_for(loop.run(), 30)
    # Everything before the bug is committed, the record with it is not: the restart redoes it.
    assert set((await _committed(kafka_bootstrap, group, topics.wa_outbound)).values()) == {3}
    assert await drain(dlq(topics.wa_outbound)) == []
