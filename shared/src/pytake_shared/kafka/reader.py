"""Read a topic from given offsets up to its end as seen at start, without a consumer group.

The reader assigns partitions itself (no group, no commits), so replaying never moves any
service's offsets. It stops each partition once it read the end offset it saw at start, and
stops altogether after `idle_timeout` seconds with nothing new: the dev broker may report a
partition's end as its last batch's base offset + 1 (the whole fetched batch is still read),
and on Apache Kafka a transaction marker can hold an end offset no record ever reaches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError
from aiokafka.partitioner import murmur2

from pytake_shared.topics import DLQ_SUFFIX, REGISTRY, Topics

DEFAULT_IDLE_TIMEOUT = 2.0


class ReplayError(Exception):
    """What the operator asked for cannot be read (no such topic, bad partition)."""


def resolve_topic(name: str, topics: Topics) -> str:
    """A registry name (`conversation.events.v1`, or its `.dlq`) under the namespace; any
    other name as it is."""
    base = name.removesuffix(DLQ_SUFFIX)
    if any(spec.name == base for spec in REGISTRY):
        return topics.name(base) + name[len(base) :]
    return name


def partition_for_key(key: str, partitions: int) -> int:
    """The partition the producers' default partitioner (Java-compatible murmur2) picks."""
    if partitions < 1:
        raise ValueError("a topic has at least one partition")
    return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions


@dataclass(frozen=True)
class Bounds:
    """Where to start and stop: offsets for all partitions, overridden per partition."""

    start: int | None = None  # None: from the beginning
    stop: int | None = None  # last offset to read (inclusive); None: the end seen at start
    start_at: Mapping[int, int] = field(default_factory=dict)
    stop_at: Mapping[int, int] = field(default_factory=dict)

    def first(self, partition: int) -> int | None:
        return self.start_at.get(partition, self.start)

    def last(self, partition: int) -> int | None:
        return self.stop_at.get(partition, self.stop)


@dataclass
class Plan:
    """What a read will cover: per partition, the first offset and the end seen at start.

    Where the operator named a first or last offset past the reported end, the read goes on
    past it (the end may be under-reported) until the offset asked for or silence."""

    topic: str
    partition_count: int
    starts: dict[int, int]
    ends: dict[int, int]
    lasts: dict[int, int] = field(default_factory=dict)  # inclusive last offsets asked for
    explicit: frozenset[int] = frozenset()  # partitions whose first offset was asked for

    @property
    def total(self) -> int:
        return sum(max(0, self.ends[p] - self.starts[p]) for p in self.starts)

    def target(self, partition: int) -> int:
        """The offset whose arrival ends the partition (0 when there is nothing to read)."""
        start, last = self.starts[partition], self.lasts.get(partition)
        if last is not None:
            return last + 1 if last >= start else 0
        end = self.ends[partition]
        if partition in self.explicit and start >= end:
            return start + 1
        return end if end > start else 0


class TopicReader:
    """`async with TopicReader(bootstrap) as r:` then `r.plan(...)` and `r.read(plan)`."""

    def __init__(self, bootstrap: str, *, idle_timeout: float = DEFAULT_IDLE_TIMEOUT) -> None:
        self._bootstrap = bootstrap
        self._idle_timeout = idle_timeout
        self._consumer = self._new_consumer()
        self._assigned = False

    def _new_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=None,
            enable_auto_commit=False,
            # Out of range means "nothing there", never "start over from the beginning".
            auto_offset_reset="none",
            client_id="pytake-replay",
        )

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()

    async def _fresh(self) -> None:
        # Once partitions are assigned, the client's metadata covers only their topic: a
        # fresh consumer for the next topic sees the whole cluster again.
        if self._assigned:
            await self._consumer.stop()
            self._consumer = self._new_consumer()
            await self._consumer.start()
            self._assigned = False

    async def partitions(self, topic: str) -> list[int]:
        await self._fresh()
        await self._consumer.topics()  # refreshes the metadata
        found = self._consumer.partitions_for_topic(topic)
        if not found:
            raise ReplayError(f"no such topic: {topic}")
        return sorted(found)

    async def plan(
        self, topic: str, *, only: list[int] | None = None, bounds: Bounds | None = None
    ) -> Plan:
        bounds = bounds or Bounds()
        every = await self.partitions(topic)
        chosen = every if not only else sorted(set(only))
        missing = [p for p in chosen if p not in every]
        if missing:
            raise ReplayError(f"{topic} has partitions 0..{len(every) - 1}, not {missing}")
        tps = [TopicPartition(topic, p) for p in chosen]
        ends_by_tp = await self._consumer.end_offsets(tps)
        begins_by_tp = await self._consumer.beginning_offsets(tps)
        starts: dict[int, int] = {}
        ends: dict[int, int] = {}
        lasts: dict[int, int] = {}
        for tp in tps:
            begin, end = begins_by_tp[tp], ends_by_tp[tp]
            first = bounds.first(tp.partition)
            last = bounds.last(tp.partition)
            starts[tp.partition] = begin if first is None else max(begin, first)
            ends[tp.partition] = end if last is None else min(end, last + 1)
            if last is not None:
                lasts[tp.partition] = last
        explicit = frozenset(p for p in chosen if bounds.first(p) is not None)
        return Plan(topic, len(every), starts, ends, lasts, explicit)

    async def read(
        self,
        plan: Plan,
        *,
        on_batch: Callable[[int], None] | None = None,
    ) -> AsyncIterator[Any]:
        """Every record of the plan, in offset order per partition; `on_batch(n)` is told how
        many records each fetch brought (for progress)."""
        pending = {
            TopicPartition(plan.topic, p): plan.target(p) for p in plan.starts if plan.target(p)
        }
        if not pending:
            return
        self._consumer.assign(list(pending))
        self._assigned = True
        for tp in pending:
            self._consumer.seek(tp, plan.starts[tp.partition])
        idle_since = time.monotonic()
        while pending:
            try:
                batches = await self._consumer.getmany(*pending, timeout_ms=200)
            except OffsetOutOfRangeError as exc:  # a first offset past the real end
                gone = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
                if not gone:
                    raise
                for tp in gone:
                    pending.pop(tp, None)
                    self._consumer.pause(tp)
                continue
            if not any(batches.values()):
                if time.monotonic() - idle_since >= self._idle_timeout:
                    return
                continue
            idle_since = time.monotonic()
            for tp, records in batches.items():
                if tp not in pending or not records:
                    continue
                if on_batch is not None:
                    on_batch(len(records))
                last = plan.lasts.get(tp.partition)
                for record in records:
                    if last is not None and record.offset > last:
                        break
                    yield record
                if records[-1].offset + 1 >= pending[tp]:
                    del pending[tp]
                    self._consumer.pause(tp)
            await asyncio.sleep(0)
