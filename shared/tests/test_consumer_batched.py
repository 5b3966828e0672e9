"""The consumer loop feeding a `BatchHandler` the whole poll at once, against the real broker:
order per key, one commit, poison parked in place, the environment retried whole, bugs,
rebalance."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput
from pytake_shared.kafka import BatchHandler, Producer, Record
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics, dlq

from .consumer_kit import (
    Pace,
    a_member_joins_and_leaves_mid_stream,
    committed,
    item,
    member,
    run_until,
)


class AllOrNothing(BatchHandler):
    """A batch handler whose batch fails as a whole if any record in it is poison (invalid
    input) or has a bug."""

    def __init__(self, poison: set[int] | None = None, bug: int | None = None) -> None:
        self.bug = bug
        self.poison = poison or set()
        self.batches: list[list[int]] = []
        self.seen: list[int] = []

    async def handle_batch(self, records: Sequence[Record]) -> None:
        ns = [r.envelope.data["n"] for r in records]
        self.batches.append(ns)
        if self.poison & set(ns):
            raise InvalidInput(f"poison in {ns}")
        if self.bug in ns:
            raise KeyError("a bug")
        self.seen.extend(ns)


async def test_a_failed_batch_is_replayed_one_by_one_and_only_poison_is_parked_in_place(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    read_topic: Callable[..., Any],
    kafka_bootstrap: str,
) -> None:
    await started_producer.send_many([(topics.commands, item(n)) for n in range(3)])
    await started_producer.send_raw(topics.commands, b"{not json", key=b"same-key", headers=[])
    await started_producer.send_many([(topics.commands, item(n)) for n in range(3, 6)])
    handler = AllOrNothing(poison={4})
    loop = member(
        make_settings(), topics.commands, f"{topics.namespace}-batch", handler, started_producer
    )
    await run_until(loop, lambda: sorted(handler.seen) == [0, 1, 2, 3, 5])
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
    assert list((await committed(kafka_bootstrap, group, topics.commands)).values()) == [7]


async def test_a_handler_across_partitions_gets_the_whole_poll_in_one_batch(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    read_topic: Callable[..., Any],
    kafka_bootstrap: str,
) -> None:
    # Twelve keys over the partitions, three records each, and one undecodable record.
    items = [item(n, subject=f"key-{n % 12}") for n in range(36)]
    await started_producer.send_many([(topics.commands, env) for env in items])
    await started_producer.send_raw(topics.commands, b"{not json", key=b"key-0", headers=[])
    handler = AllOrNothing(poison={7})
    loop = member(
        make_settings(), topics.commands, f"{topics.namespace}-across", handler, started_producer
    )
    await run_until(loop, lambda: len(handler.seen) == 35)
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
    offsets = await committed(kafka_bootstrap, f"{topics.namespace}-across", topics.commands)
    assert sum(offsets.values()) == 37


class Timed(BatchHandler):
    def __init__(self) -> None:
        self.batches: list[tuple[float, list[int]]] = []

    async def handle_batch(self, records: Sequence[Record]) -> None:
        self.batches.append((time.monotonic(), [r.envelope.data["n"] for r in records]))


async def test_a_loop_with_a_poll_interval_takes_a_steady_stream_in_batches_that_far_apart(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
) -> None:
    # One record every 20 ms for 1.6 s; a loop polling at most every 400 ms.
    handler = Timed()
    group = f"{topics.namespace}-paced"
    loop = member(
        make_settings(), topics.commands, group, handler, started_producer, poll_interval_ms=400
    )

    async def stream() -> None:
        for n in range(80):
            await started_producer.send(topics.commands, item(n))
            await asyncio.sleep(0.02)

    writer = asyncio.create_task(stream())
    await run_until(loop, lambda: sum(len(b) for _, b in handler.batches) == 80)
    await writer
    assert [n for _, b in handler.batches for n in b] == list(range(80))
    # Each poll that returned records is followed by a pause: the stream arrives in a few
    # big batches, not one fetch per record or two.
    starts = [at for at, _ in handler.batches]
    assert all(b - a >= 0.39 for a, b in itertools.pairwise(starts)), starts
    assert len(handler.batches) <= 8, [len(b) for _, b in handler.batches]


class DownThenUp(BatchHandler):
    """A batch handler whose database is away for its first `down` batches."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.batches: list[list[int]] = []

    async def handle_batch(self, records: Sequence[Record]) -> None:
        self.batches.append([r.envelope.data["n"] for r in records])
        if self.down:
            self.down -= 1
            raise ConnectionResetError(104, "Connection reset by peer")


async def test_a_batch_the_environment_failed_is_retried_whole_until_it_is_back(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    drain: Any,
) -> None:
    await started_producer.send_many([(topics.commands, item(n)) for n in range(5)])
    handler = DownThenUp(down=3)
    loop = member(
        make_settings(), topics.commands, f"{topics.namespace}-g", handler, started_producer
    )
    await run_until(loop, lambda: handler.down == 0 and len(handler.batches) >= 4)
    assert handler.batches[:4] == [handler.batches[0]] * 4
    assert sorted(n for batch in handler.batches[3:] for n in batch) == list(range(5))
    assert await drain(dlq(topics.commands)) == []


async def test_a_bug_in_a_batch_stops_the_consumer_at_its_record_and_commits_none_of_the_poll(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    kafka_bootstrap: str,
    drain: Any,
) -> None:
    await started_producer.send_many([(topics.commands, item(n)) for n in range(5)])
    group = f"{topics.namespace}-bug"
    buggy = AllOrNothing(bug=3)
    loop = member(make_settings(), topics.commands, group, buggy, started_producer)
    with pytest.raises(KeyError, match="a bug"):
        await asyncio.wait_for(loop.run(), 30)
    # Replayed as batches of one, the records before the bug were applied and it stopped there.
    assert buggy.seen == [0, 1, 2]
    assert buggy.batches[-1] == [3]
    # Nothing of that poll is committed: the restart redoes it (handlers drop repeats).
    assert await committed(kafka_bootstrap, group, topics.commands) == {}
    assert await drain(dlq(topics.commands)) == []
    fixed = AllOrNothing()
    again = member(make_settings(), topics.commands, group, fixed, started_producer)
    await run_until(again, lambda: 3 in fixed.seen and 4 in fixed.seen)


class SlowBatch(BatchHandler):
    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.pace = Pace(log)

    async def handle_batch(self, records: Sequence[Record]) -> None:
        for record in records:
            await self.pace.step(record)


async def test_a_member_joining_and_leaving_loses_nothing_and_keeps_order_per_key(
    make_settings: Callable[..., ServiceSettings], topics: Topics, started_producer: Producer
) -> None:
    def make(log: list[tuple[str, int]]) -> tuple[SlowBatch, Pace]:
        handler = SlowBatch(log)
        return handler, handler.pace

    await a_member_joins_and_leaves_mid_stream(
        make_settings(kafka_session_timeout_ms=6000), topics, started_producer, make
    )
