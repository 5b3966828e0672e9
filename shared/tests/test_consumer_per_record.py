"""The consumer loop feeding a `RecordHandler` record by record, against the real broker:
order per key, commits, poison records, the environment and bugs, rebalance, stored offsets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pytake_shared.envelope import Envelope
from pytake_shared.errors import ConsumerHalted, InvalidInput, TransientError
from pytake_shared.kafka import Producer, Record, RecordHandler
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


def _env(n: int, kind: str = "test.ok") -> Envelope:
    return Envelope.new(kind, source="test", subject=f"k{n % 3}", data={"n": n})


class Collecting(RecordHandler):
    def __init__(self, fail: Callable[[Record], Exception | None] | None = None) -> None:
        self.seen: list[int] = []
        self._fail = fail
        self.calls: dict[int, int] = {}

    async def handle(self, record: Record) -> None:
        n = record.envelope.data["n"]
        self.calls[n] = self.calls.get(n, 0) + 1
        if self._fail is not None and (exc := self._fail(record)) is not None:
            raise exc
        self.seen.append(n)


async def _read_all(bootstrap: str, topic: str, expect: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    out: list[Any] = []
    try:
        async with asyncio.timeout(20):
            while len(out) < expect:
                for recs in (await consumer.getmany(timeout_ms=200)).values():
                    out.extend(recs)
    finally:
        await consumer.stop()
    return out


@pytest.fixture
async def producer(make_settings: Callable[..., ServiceSettings]) -> Any:
    p = Producer(make_settings())
    await p.start()
    yield p
    await p.stop()


async def test_records_are_handled_in_order_per_key_and_committed(
    make_settings: Callable[..., ServiceSettings], topics: Topics, producer: Producer
) -> None:
    settings = make_settings()
    await producer.send_many([(topics.wa_inbound, _env(n)) for n in range(30)])
    handler = Collecting()
    loop = member(settings, topics.wa_inbound, f"{topics.namespace}-g", handler, producer)
    await run_until(loop, lambda: len(handler.seen) == 30)
    for key in range(3):
        per_key = [n for n in handler.seen if n % 3 == key]
        assert per_key == sorted(per_key)
    group = f"{topics.namespace}-g"
    assert (
        sum((await committed(settings.kafka_bootstrap_servers, group, topics.wa_inbound)).values())
        == 30
    )

    # A second loop in the same group starts after the committed offsets: nothing again.
    await producer.send(topics.wa_inbound, _env(100))
    again = Collecting()
    loop2 = member(settings, topics.wa_inbound, f"{topics.namespace}-g", again, producer)
    await run_until(loop2, lambda: again.seen == [100])


async def test_poison_records_are_parked_with_their_reason_and_the_rest_flow(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    producer: Producer,
    kafka_bootstrap: str,
) -> None:
    settings = make_settings()
    raw = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await raw.start()
    await raw.send_and_wait(topics.wa_inbound, b"not json", key=b"k0")
    await raw.stop()
    await producer.send_many([(topics.wa_inbound, _env(n)) for n in range(6)])

    def fail(record: Record) -> Exception | None:
        return InvalidInput("bad n") if record.envelope.data["n"] == 2 else None

    handler = Collecting(fail)
    loop = member(settings, topics.wa_inbound, f"{topics.namespace}-g", handler, producer)
    await run_until(loop, lambda: sorted(handler.seen) == [0, 1, 3, 4, 5])
    parked = await _read_all(kafka_bootstrap, dlq(topics.wa_inbound), 2)
    reasons = sorted(dict(r.headers)["dlq.reason"].decode() for r in parked)
    assert reasons[0] == "invalid: bad n"
    assert reasons[1].startswith("undecodable: value is not JSON")
    assert handler.calls[2] == 1  # invalid input is never retried
    assert b"not json" in [r.value for r in parked]


async def test_a_bug_stops_the_consumer_parks_nothing_and_the_restart_resumes_at_it(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    producer: Producer,
    drain: Any,
) -> None:
    settings = make_settings()
    await producer.send_many([(topics.wa_inbound, _env(n)) for n in range(6)])
    buggy = Collecting(lambda r: KeyError("oops") if r.envelope.data["n"] == 4 else None)
    group = f"{topics.namespace}-g"
    loop = member(settings, topics.wa_inbound, group, buggy, producer)
    with pytest.raises(KeyError, match="oops"):
        await asyncio.wait_for(loop.run(), 30)
    assert buggy.calls[4] == 1  # no quick retries: a bug is not the environment
    # The next member of the group (the restarted process) starts at the record with the bug.
    fixed = Collecting()
    again = member(settings, topics.wa_inbound, group, fixed, producer)
    await run_until(again, lambda: 4 in fixed.seen)
    assert 4 not in buggy.seen  # (records before it may come again: handlers are idempotent)
    assert await drain(dlq(topics.wa_inbound)) == []


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory"),  # the server's socket was gone
        ConnectionRefusedError(111, "Connection refused"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        TimeoutError(),
    ],
    ids=type,
)
async def test_raw_driver_errors_of_an_unavailable_database_are_retried_never_parked(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    producer: Producer,
    drain: Any,
    error: Exception,
) -> None:
    failures = {"left": 4}
    readiness: list[bool] = []

    def fail(record: Record) -> Exception | None:
        readiness.append(loop.ready())
        if failures["left"]:
            failures["left"] -= 1
            return error
        return None

    await producer.send(topics.commands, _env(7))
    handler = Collecting(fail)
    loop = member(make_settings(), topics.commands, f"{topics.namespace}-g", handler, producer)
    await run_until(loop, lambda: handler.seen == [7])
    assert handler.calls[7] == 5
    assert readiness == [True, False, False, False, False]  # not ready while it waits
    assert loop.ready()
    assert await drain(dlq(topics.commands)) == []


async def test_transient_errors_are_retried_until_they_pass(
    make_settings: Callable[..., ServiceSettings], topics: Topics, producer: Producer
) -> None:
    failures = {"left": 3}

    def fail(record: Record) -> Exception | None:
        if failures["left"]:
            failures["left"] -= 1
            return TransientError("db down")
        return None

    await producer.send(topics.commands, _env(7))
    handler = Collecting(fail)
    loop = member(make_settings(), topics.commands, f"{topics.namespace}-g", handler, producer)
    await run_until(loop, lambda: handler.seen == [7])
    assert handler.calls[7] == 4


async def test_too_many_parked_in_a_row_halts_the_consumer(
    make_settings: Callable[..., ServiceSettings], topics: Topics, producer: Producer
) -> None:
    settings = make_settings(dlq_max_consecutive=3)
    await producer.send_many([(topics.events, _env(n)) for n in range(10)])
    handler = Collecting(lambda r: InvalidInput("always"))
    loop = member(settings, topics.events, f"{topics.namespace}-g", handler, producer)
    with pytest.raises(ConsumerHalted, match="4 records parked in a row"):
        await asyncio.wait_for(loop.run(), 30)


class Slow(RecordHandler):
    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.pace = Pace(log)

    async def handle(self, record: Record) -> None:
        await self.pace.step(record)


async def test_a_member_joining_and_leaving_loses_nothing_and_keeps_order_per_key(
    make_settings: Callable[..., ServiceSettings], topics: Topics, producer: Producer
) -> None:
    def make(log: list[tuple[str, int]]) -> tuple[Slow, Pace]:
        handler = Slow(log)
        return handler, handler.pace

    await a_member_joins_and_leaves_mid_stream(
        make_settings(kafka_session_timeout_ms=6000), topics, producer, make
    )


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
    make_settings: Callable[..., ServiceSettings], topics: Topics, producer: Producer
) -> None:
    await producer.send_many([(topics.commands, item(n)) for n in range(5)])
    handler = ResumesFromStore()
    loop = member(make_settings(), topics.commands, f"{topics.namespace}-resume", handler, producer)
    await run_until(loop, lambda: len(handler.seen) >= 2)
    assert handler.seen == [3, 4]
    assert {tp.topic for tp in handler.assigned} == {topics.commands}
    assert loop.assigned.is_set()


async def test_a_stop_during_transient_retries_gives_up_and_commits_nothing(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    producer: Producer,
    kafka_bootstrap: str,
) -> None:
    group = f"{topics.namespace}-restart"
    await producer.send(topics.commands, item(7))
    down = Collecting(lambda r: TransientError("database down"))
    loop = member(make_settings(), topics.commands, group, down, producer)
    task = asyncio.create_task(loop.run())
    async with asyncio.timeout(20):
        while down.calls.get(7, 0) < 2:
            await asyncio.sleep(0.02)
    loop.stop()
    with pytest.raises(TransientError, match="database down"):
        await asyncio.wait_for(task, 20)
    # Nothing was committed: the group's next member starts at the record again.
    assert await committed(kafka_bootstrap, group, topics.commands) == {}


def test_the_consumer_of_a_loop_that_is_not_running_is_not_available() -> None:
    loop = member(
        ServiceSettings(),
        "t",
        "g",
        Collecting(),
        Producer(ServiceSettings()),
    )
    with pytest.raises(RuntimeError, match="not started"):
        _ = loop.consumer
