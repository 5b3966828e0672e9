"""A handler that names the record types it wants gets only those, in order; the others are
passed over undecoded (a value that is no envelope is not parked then) and committed past."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from pytake_shared.envelope import Envelope
from pytake_shared.kafka import (
    BatchHandler,
    Handler,
    PipelinedHandler,
    Producer,
    Record,
    RecordHandler,
)
from pytake_shared.kafka.handlers import ParkFn
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics, dlq

from .consumer_kit import committed, member, run_until

WANTED = "test.wanted"
OTHER = "test.other"


class EachRecord(RecordHandler):
    wants = frozenset({WANTED})

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def handle(self, record: Record) -> None:
        self.seen.append(record.envelope.data["n"])


class Batches(BatchHandler):
    wants = frozenset({WANTED})

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def handle_batch(self, records: Sequence[Record]) -> None:
        self.seen.extend(r.envelope.data["n"] for r in records)


class Pipeline(PipelinedHandler):
    wants = frozenset({WANTED})

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        self.seen.append(record.envelope.data["n"])
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        done.set_result(True)
        return done


@pytest.mark.parametrize("kind", [EachRecord, Batches, Pipeline], ids=lambda k: k.__name__)
async def test_only_the_wanted_types_reach_the_handler_and_everything_is_committed(
    kind: Callable[[], Handler],
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    started_producer: Producer,
    read_topic: Callable[..., Any],
    kafka_bootstrap: str,
) -> None:
    envs = [
        Envelope.new(WANTED if n % 3 == 0 else OTHER, source="test", subject="k", data={"n": n})
        for n in range(30)
    ]
    await started_producer.send_many([(topics.commands, env) for env in envs])
    # Not an envelope, under a type the handler does not want: never decoded, never parked.
    await started_producer.send_raw(
        topics.commands, b"{not json", key=b"k", headers=[("type", OTHER.encode())]
    )
    last = Envelope.new(WANTED, source="test", subject="k", data={"n": 99})
    await started_producer.send(topics.commands, last)
    handler = kind()
    group = f"{topics.namespace}-wants-{kind.__name__}"
    loop = member(make_settings(), topics.commands, group, handler, started_producer)
    await run_until(loop, lambda: 99 in handler.seen)  # type: ignore[attr-defined]
    assert handler.seen == [n for n in range(30) if n % 3 == 0] + [99]  # type: ignore[attr-defined]
    assert sum((await committed(kafka_bootstrap, group, topics.commands)).values()) == 32
    with pytest.raises(TimeoutError):  # nothing was parked
        await read_topic(dlq(topics.commands), 1, timeout=2)
