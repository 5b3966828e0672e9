"""How the consumer loop feeds each kind of handler (`handlers.py`) and commits behind it.

Every strategy keeps the same promises: each partition's records reach the handler in offset
order; an offset is committed only once every record below it was handled or parked; a record
whose envelope does not decode is parked in place (the records before it are handled first,
the ones after it next); invalid input is parked with its reason, the environment being away
is retried (`retry.py`), a bug is raised so the process restarts from the last commit; records
of partitions revoked while in hand are dropped for their new owner.

- `PerRecord`: partition by partition, record by record, one commit per partition.
- `Batched`: the whole poll as one batch, one commit. The environment failing is retried on
  the whole batch (splitting it would only multiply the waits); any other failure replays the
  batch as batches of one, so the poison record is parked in place and a bug stops the
  consumer at the record that has it.
- `Pipelined`: records submitted as they come, finished out of order; commits advance to the
  first unfinished record of each partition after every poll, a partition with too many in
  flight pauses, and a revocation or stop waits (bounded) for what is in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter

from pytake_shared import tracing
from pytake_shared.envelope import EnvelopeError
from pytake_shared.errors import ConsumerHalted
from pytake_shared.faults import classify
from pytake_shared.kafka.handlers import (
    BatchHandler,
    Handler,
    PipelinedHandler,
    RecordHandler,
)
from pytake_shared.kafka.parking import Parking
from pytake_shared.kafka.pipeline import InflightTracker
from pytake_shared.kafka.records import Record, decode
from pytake_shared.kafka.retry import Retrier
from pytake_shared.logs import log_context

log = logging.getLogger(__name__)

CONSUMED = Counter("pytake_records_consumed_total", "Records handled", ["topic", "group"])

Polled = Mapping[TopicPartition, list[ConsumerRecord]]


class Loop(Protocol):
    """What a strategy uses of the consumer loop."""

    group_id: str
    retry: Retrier
    parking: Parking

    @property
    def consumer(self) -> AIOKafkaConsumer: ...

    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...

    def observe(self, handled: Polled, started: float | None = None) -> None: ...


class Strategy:
    handler: Handler

    def __init__(self, loop: Loop) -> None:
        self.loop = loop

    async def feed(self, polled: Polled) -> None:
        """Hand one poll's records to the handler (under the loop's lock)."""
        raise NotImplementedError

    async def after_poll(self) -> None:
        """Once per turn of the loop, records or not (under the loop's lock)."""

    async def settle(self, partitions: set[TopicPartition]) -> None:
        """Before `partitions` move away: finish and commit what is in progress on them."""

    async def stop(self) -> None:
        """The loop is stopping: finish and commit what is in progress."""

    def owned(self, polled: Polled) -> dict[TopicPartition, list[ConsumerRecord]]:
        """The partitions of the poll still assigned (a revocation may have come between)."""
        assignment = self.loop.consumer.assignment()
        return {tp: raw for tp, raw in polled.items() if tp in assignment and raw}

    async def in_order(
        self, raw: Sequence[ConsumerRecord], deliver: Callable[[list[Record]], Awaitable[None]]
    ) -> None:
        """Decode `raw` and deliver it in runs: an undecodable record is parked in its place,
        one of a type the handler does not want is passed over."""
        run: list[Record] = []
        for rec in raw:
            if self.passed_over(rec):
                continue
            try:
                run.append(decode(rec))
            except EnvelopeError as exc:
                if run:
                    await deliver(run)
                    run = []
                await self.loop.parking.park(rec, f"undecodable: {exc}")
        if run:
            await deliver(run)

    def passed_over(self, rec: ConsumerRecord) -> bool:
        """A record of a type the handler does not want (told by its header, undecoded)."""
        wants = self.handler.wants
        if wants is None:
            return False
        for name, value in rec.headers or ():
            if name == "type":
                return value.decode("utf-8", "replace") not in wants
        return False  # no type header: decoded and handed over, as ever

    async def one(self, record: Record, call: Callable[[], Awaitable[None]]) -> None:
        """`call` for one record: retried while the environment is away, parked if invalid,
        raised if a bug."""
        env = record.envelope
        with log_context(
            event_id=str(env.id),
            type=env.type,
            subject=env.subject,
            correlation_id=env.correlation_id,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        ):
            try:
                with tracing.consume([record], self.loop.group_id):
                    await self.loop.retry(call)
            except Exception as exc:
                verdict = classify(exc)
                if verdict == "invalid":
                    await self.loop.parking.park(record, f"invalid: {exc}")
                    return
                if verdict == "bug":
                    log.exception(
                        "bug handling %s[%d]@%d: stopping; the restart resumes from the last "
                        "commit",
                        record.topic,
                        record.partition,
                        record.offset,
                    )
                raise
            self.handled([record])

    def handled(self, records: Sequence[Record]) -> None:
        self.loop.parking.handled()
        for record in records:
            CONSUMED.labels(record.topic, self.loop.group_id).inc()


class PerRecord(Strategy):
    handler: RecordHandler

    def __init__(self, loop: Loop, handler: RecordHandler) -> None:
        super().__init__(loop)
        self.handler = handler

    async def feed(self, polled: Polled) -> None:
        for tp, raw in polled.items():
            if tp not in self.loop.consumer.assignment():
                continue  # revoked while the poll was in hand: the new owner handles it
            started = time.perf_counter()
            await self.in_order(raw, self._each)
            await self.loop.commit({tp: raw[-1].offset + 1})
            self.loop.observe({tp: raw}, started)

    async def _each(self, records: list[Record]) -> None:
        for record in records:
            await self.one(record, partial(self.handler.handle, record))


class Batched(Strategy):
    handler: BatchHandler

    def __init__(self, loop: Loop, handler: BatchHandler) -> None:
        super().__init__(loop)
        self.handler = handler

    async def feed(self, polled: Polled) -> None:
        started = time.perf_counter()
        mine = self.owned(polled)
        if not mine:
            return
        await self.in_order([rec for raw in mine.values() for rec in raw], self._batch)
        await self.loop.commit({tp: raw[-1].offset + 1 for tp, raw in mine.items()})
        self.loop.observe(mine, started)

    async def _batch(self, records: list[Record]) -> None:
        try:
            with tracing.consume(records, self.loop.group_id):
                await self.loop.retry(partial(self.handler.handle_batch, records))
        except Exception as exc:
            if classify(exc) == "transient":
                raise  # stopping
            if len(records) > 1:
                log.warning(
                    "batch failed (%r); handling its %d records one by one", exc, len(records)
                )
            for record in records:
                await self.one(record, partial(self.handler.handle_batch, [record]))
            return
        self.handled(records)


class Pipelined(Strategy):
    handler: PipelinedHandler
    MAX_INFLIGHT = 2000  # per partition: past this the partition pauses
    SETTLE_S = 10.0  # how long a revocation or stop waits for in-flight records

    def __init__(self, loop: Loop, handler: PipelinedHandler) -> None:
        super().__init__(loop)
        self.handler = handler
        self._inflight = InflightTracker()
        self._halt: ConsumerHalted | None = None

    async def feed(self, polled: Polled) -> None:
        future = asyncio.get_running_loop().create_future
        mine = self.owned(polled)
        for tp, raw in mine.items():
            for rec in raw:
                if self.passed_over(rec):
                    skipped: asyncio.Future[bool] = future()
                    skipped.set_result(True)
                    self._inflight.add(tp, rec.offset, skipped)
                    continue
                try:
                    record = decode(rec)
                except EnvelopeError as exc:
                    await self.loop.parking.park(rec, f"undecodable: {exc}")
                    parked: asyncio.Future[bool] = future()
                    parked.set_result(False)
                    self._inflight.add(tp, rec.offset, parked)
                    continue
                done = await self.handler.submit(record, self._park)
                self._inflight.add(tp, rec.offset, done)
                CONSUMED.labels(record.topic, self.loop.group_id).inc()
                if self._halt is not None:
                    raise self._halt  # no more records started once the streak is too long
            if self._inflight.count(tp) >= self.MAX_INFLIGHT:
                self.loop.consumer.pause(tp)
        self.loop.observe(mine)

    async def _park(self, record: Record, reason: str) -> None:
        try:
            await self.loop.parking.park(record, reason)
        except ConsumerHalted as exc:
            self._halt = exc  # raised by the loop (feed, after_poll), not in the handler's worker

    async def after_poll(self) -> None:
        await self._commit_finished()
        if self._halt is not None:
            raise self._halt

    async def settle(self, partitions: set[TopicPartition]) -> None:
        if not partitions:
            return
        await self._inflight.wait(partitions, self.SETTLE_S)
        await self._commit_finished()
        self._inflight.forget(partitions)

    async def stop(self) -> None:
        await self.settle(set(self._inflight.partitions()))

    async def _commit_finished(self) -> None:
        """Commit, in one request, every partition's offset below its first unfinished record."""
        consumer = self.loop.consumer
        offsets: dict[TopicPartition, int] = {}
        failed: tuple[TopicPartition, BaseException] | None = None
        for tp in self._inflight.partitions():
            offset, results, failure = self._inflight.advance(tp)
            if any(results):
                self.loop.parking.handled()
            if offset is not None and tp in consumer.assignment():
                offsets[tp] = offset
            if failure is not None:
                failed = tp, failure
                break
            if tp in consumer.paused() and self._inflight.count(tp) < self.MAX_INFLIGHT // 2:
                consumer.resume(tp)
        if offsets:
            await self.loop.commit(offsets)
        if failed is not None:
            log.error("bug in a pipelined record of %s: stopping", failed[0], exc_info=failed[1])
            raise failed[1]


def strategy_for(handler: Handler, loop: Loop) -> Strategy:
    """The strategy the handler's type asks for; a handler of several kinds is refused."""
    kinds: list[Strategy] = []
    if isinstance(handler, RecordHandler):
        kinds.append(PerRecord(loop, handler))
    if isinstance(handler, BatchHandler):
        kinds.append(Batched(loop, handler))
    if isinstance(handler, PipelinedHandler):
        kinds.append(Pipelined(loop, handler))
    if len(kinds) != 1:
        raise TypeError(
            f"{type(handler).__name__} must be exactly one of RecordHandler, BatchHandler, "
            f"PipelinedHandler"
        )
    return kinds[0]


__all__ = ["Batched", "Loop", "PerRecord", "Pipelined", "Strategy", "strategy_for"]
