"""The one consumer loop every service runs (what it feeds handlers: `records.py`).

- Batches from `getmany`, handled per partition in offset order, offsets committed by hand
  after each partition's batch is done (at-least-once; handlers drop repeats by envelope id).
- A handler may take a whole batch (`handle_batch`, e.g. one database transaction); a batch
  the environment failed is retried whole, one whose input failed is replayed record by record
  so one poison record cannot stall the rest.
- Failures are judged by `pytake_shared.faults.classify`: invalid input is parked in
  `<topic>.dlq` with the reason at once; the environment being unavailable (a database or
  broker away, raw driver errors included) is retried with backoff and jitter for as long as it
  lasts, and readiness says so meanwhile; anything else is a bug: the loop raises it, the
  process exits non-zero and restarts from the last commit. A bug never parks a record. Too
  many parked in a row halts the consumer (`ConsumerHalted`) rather than draining a topic into
  its DLQ.
- Rebalance-safe: a revocation waits for the batch in progress to finish and commit; records of
  partitions no longer owned are dropped unprocessed. A handler can resume partitions from
  offsets it stored itself (`on_assigned` returns them).
- `stop()` (wired to SIGTERM) finishes the batch in progress, commits and leaves the group.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter, Gauge, Histogram

from pytake_shared import tracing
from pytake_shared.envelope import EnvelopeError
from pytake_shared.errors import ConsumerHalted, TransientError
from pytake_shared.faults import classify
from pytake_shared.kafka.pipeline import InflightTracker
from pytake_shared.kafka.producer import Producer
from pytake_shared.kafka.records import ParkFn, Record, RecordHandler, check_modes, decode
from pytake_shared.logs import log_context
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import dlq

log = logging.getLogger(__name__)
T = TypeVar("T")

CONSUMED = Counter("pytake_records_consumed_total", "Records handled", ["topic", "group"])
PARKED = Counter("pytake_records_parked_total", "Records sent to a DLQ", ["topic", "group"])
RETRIED = Counter("pytake_record_retries_total", "Handler retries", ["topic", "group"])
LAG = Gauge("pytake_consumer_lag", "High-water mark minus position", ["topic", "partition"])
BATCH_SECONDS = Histogram("pytake_batch_seconds", "Time to handle one batch", ["group"])


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # Waiting for the lock means the batch in progress has finished and committed.
        async with self._loop._lock:
            await self._loop._settle(set(revoked))
            await self._loop.handler.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        async with self._loop._lock:
            offsets = await self._loop.retrying(
                lambda: self._loop.handler.on_assigned(set(assigned))
            )
            for tp, offset in offsets.items():
                self._loop.consumer.seek(tp, offset)
        self._loop.assigned.set()


class ConsumerLoop:
    """Consume `topics` as `group_id`, feeding `handler`; park poison records in DLQs."""

    RETRY_BASE_S = 0.2
    RETRY_MAX_S = 3.0  # the environment is retried often: service resumes soon after it is back
    MAX_INFLIGHT = 2000  # per partition, pipelined handlers: past this the partition pauses
    SETTLE_S = 10.0  # how long a revocation or stop waits for in-flight records

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        topics: Sequence[str],
        group_id: str,
        handler: RecordHandler,
        producer: Producer,
        max_records: int | None = None,
        fetch_max_wait_ms: int | None = None,
    ) -> None:
        check_modes(handler)
        self._settings = settings
        self.fetch_max_wait_ms = fetch_max_wait_ms or settings.kafka_fetch_max_wait_ms
        self._topics = list(topics)
        self.group_id = group_id
        self.handler = handler
        self._producer = producer
        self._max_records = max_records or settings.kafka_max_poll_records
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()
        self._consecutive_parked = 0
        self.assigned = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._inflight = InflightTracker()
        self._halt: ConsumerHalted | None = None
        self.unavailable: str | None = None  # why the environment is failing us, while it is
        self._rng = random.Random()

    def ready(self) -> bool:
        """Joined the group and not waiting for the environment to come back."""
        return self.assigned.is_set() and self.unavailable is None

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: many consumers do not come back in lockstep."""
        ceiling = min(self.RETRY_MAX_S, self.RETRY_BASE_S * 2.0 ** min(attempt, 10))
        jitter: float = self._rng.uniform(0.5, 1.0)
        return ceiling * jitter

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()` retried for as long as the environment is unavailable (stop ends it)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await call()
            except Exception as exc:
                if classify(exc) != "transient" or self._stopping.is_set():
                    raise
                self._unavailable(exc, attempt)
                await asyncio.sleep(self.backoff(attempt))
                continue
            self._available()
            return result

    def _unavailable(self, exc: BaseException, attempt: int) -> None:
        RETRIED.labels(self._topics[0], self.group_id).inc()
        if self.unavailable is None or attempt == 1:
            log.warning("environment unavailable, retrying until it is back: %r", exc)
        self.unavailable = repr(exc)

    def _available(self) -> None:
        if self.unavailable is not None:
            log.info("environment back after: %s", self.unavailable)
            self.unavailable = None

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("consumer not started")
        return self._consumer

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> asyncio.Event:
        return self._stopping

    async def run(self) -> None:
        """Consume until `stop()`; raises `ConsumerHalted` if it refuses to go on."""
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self.group_id,
            client_id=f"{self._settings.service_name}-{self.group_id}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._settings.kafka_session_timeout_ms,
            group_instance_id=self._settings.kafka_group_instance_id or None,
            heartbeat_interval_ms=self._settings.kafka_heartbeat_interval_ms,
            max_poll_records=self._max_records,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
        )
        self._consumer.subscribe(self._topics, listener=_Listener(self))
        await self._consumer.start()
        try:
            while not self._stopping.is_set():
                batches = await self._consumer.getmany(
                    timeout_ms=200, max_records=self._max_records
                )
                if batches:
                    async with self._lock:
                        if self.handler.batched and self.handler.across_partitions:
                            await self._handle_polled(batches)
                        else:
                            for tp, raw in batches.items():
                                await self._handle_partition(tp, raw)
                if self.handler.pipelined:
                    async with self._lock:
                        await self._commit_finished()
                if self._halt is not None:
                    raise self._halt
        finally:
            try:
                if self.handler.pipelined:
                    async with self._lock:
                        await self._settle(set(self._inflight.partitions()))
            finally:
                await self._consumer.stop()
                self._consumer = None

    async def _commit_finished(self) -> None:
        """Commit, in one request, every partition's offset below its first unfinished record."""
        offsets: dict[TopicPartition, int] = {}
        failed: tuple[TopicPartition, BaseException] | None = None
        for tp in self._inflight.partitions():
            offset, results, failure = self._inflight.advance(tp)
            if any(results):
                self._consecutive_parked = 0
            if offset is not None and tp in self.consumer.assignment():
                offsets[tp] = offset
            if failure is not None:
                failed = tp, failure
                break
            if tp in self.consumer.paused() and self._inflight.count(tp) < self.MAX_INFLIGHT // 2:
                self.consumer.resume(tp)
        if offsets:
            await self._commit_all(offsets)
        if failed is not None:
            log.error("bug in a pipelined record of %s: stopping", failed[0], exc_info=failed[1])
            raise failed[1]

    async def _settle(self, tps: set[TopicPartition]) -> None:
        """Pipelined: let in-flight records of `tps` finish (bounded), commit what did."""
        if not self.handler.pipelined or not tps:
            return
        await self._inflight.wait(tps, self.SETTLE_S)
        await self._commit_finished()
        self._inflight.forget(tps)

    async def _park_from_handler(self, record: Record, reason: str) -> None:
        try:
            await self._park(record, reason)
        except ConsumerHalted as exc:
            self._halt = exc  # raised by the loop, not inside the handler's worker

    async def _handle_partition(self, tp: TopicPartition, raw: list[ConsumerRecord]) -> None:
        if tp not in self.consumer.assignment():
            return  # revoked while the batch was in hand: the new owner handles it
        if self.handler.pipelined:
            await self._submit_partition(tp, raw)
            return
        started = time.perf_counter()
        records: list[Record] = []
        for rec in raw:
            try:
                records.append(decode(rec))
            except EnvelopeError as exc:
                if records:
                    await self._deliver(records)
                    records = []
                await self._park(rec, f"undecodable: {exc}")
        if records:
            await self._deliver(records)
        await self._commit(tp, raw[-1].offset + 1)
        self._observe(started, {tp: raw})

    async def _handle_polled(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """`across_partitions` handlers: one batch for the whole poll, one commit."""
        started = time.perf_counter()
        mine = {tp: raw for tp, raw in batches.items() if tp in self.consumer.assignment()}
        records: list[Record] = []
        for raw in mine.values():
            for rec in raw:
                try:
                    records.append(decode(rec))
                except EnvelopeError as exc:
                    await self._park(rec, f"undecodable: {exc}")
        if records:
            await self._deliver(records)
        if mine:
            await self._commit_all({tp: raw[-1].offset + 1 for tp, raw in mine.items()})
        self._observe(started, mine)

    def _observe(self, started: float, handled: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """A batch's duration, and each partition's lag behind its high watermark."""
        BATCH_SECONDS.labels(self.group_id).observe(time.perf_counter() - started)
        for tp, raw in handled.items():
            highwater = self.consumer.highwater(tp)
            if highwater is not None:
                LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - raw[-1].offset - 1))

    async def _submit_partition(self, tp: TopicPartition, raw: list[ConsumerRecord]) -> None:
        loop = asyncio.get_running_loop()
        for rec in raw:
            try:
                record = decode(rec)
            except EnvelopeError as exc:
                await self._park(rec, f"undecodable: {exc}")
                parked: asyncio.Future[bool] = loop.create_future()
                parked.set_result(False)
                self._inflight.add(tp, rec.offset, parked)
                continue
            done = await self.handler.submit(record, self._park_from_handler)
            self._inflight.add(tp, rec.offset, done)
            CONSUMED.labels(record.topic, self.group_id).inc()
        if self._inflight.count(tp) >= self.MAX_INFLIGHT:
            self.consumer.pause(tp)

    async def _deliver(self, records: list[Record]) -> None:
        if not self.handler.batched:
            for record in records:
                await self._handle_one(record)
            return
        try:
            # The environment failing is retried on the whole batch: splitting it would only
            # multiply the waits.
            with tracing.consume(records, self.group_id):
                await self.retrying(lambda: self.handler.handle_batch(records))
        except Exception as exc:
            if classify(exc) == "transient":
                raise  # stopping
            # Invalid input or a bug somewhere in the batch: record by record, the poison is
            # parked in place, a bug stops the consumer at the record that has it.
            if len(records) > 1:
                log.warning(
                    "batch failed (%r); handling its %d records one by one", exc, len(records)
                )
            for record in records:
                await self._handle_one(record)
            return
        self._consumed(records)

    def _consumed(self, records: Sequence[Record]) -> None:
        self._consecutive_parked = 0
        for record in records:
            CONSUMED.labels(record.topic, self.group_id).inc()

    async def _handle_one(self, record: Record) -> None:
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
                with tracing.consume([record], self.group_id):
                    await self.retrying(lambda: self.handler.handle(record))
            except Exception as exc:
                verdict = classify(exc)
                if verdict == "invalid":
                    await self._park(record, f"invalid: {exc}")
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
            self._consumed([record])

    async def _park(self, record: Record | ConsumerRecord, reason: str) -> None:
        """Send the original record to `<topic>.dlq` with why, then count the streak."""
        value: bytes | None = record.value
        headers = list(record.headers or ())
        topic, partition, offset = record.topic, record.partition, record.offset
        key = record.key.encode() if isinstance(record.key, str) else record.key
        headers += [
            ("dlq.reason", reason.encode()[:2000]),
            ("dlq.topic", topic.encode()),
            ("dlq.partition", str(partition).encode()),
            ("dlq.offset", str(offset).encode()),
            ("dlq.group", self.group_id.encode()),
        ]
        while True:
            try:
                await self._producer.send_raw(dlq(topic), value, key=key, headers=headers)
                break
            except TransientError:
                log.warning("DLQ not writable yet; retrying")
                await asyncio.sleep(1.0)
        PARKED.labels(topic, self.group_id).inc()
        log.error("parked %s[%d]@%d in DLQ: %s", topic, partition, offset, reason)
        self._consecutive_parked += 1
        if self._consecutive_parked > self._settings.dlq_max_consecutive:
            raise ConsumerHalted(
                f"{self._consecutive_parked} records parked in a row on {topic}; stopping "
                f"instead of draining the topic into its DLQ (last reason: {reason})"
            )

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        await self._commit_all({tp: offset})

    async def _commit_all(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A partition moved during a rebalance: its new owner re-reads from the last
            # commit and the handlers drop what they already applied.
            log.warning("commit of %s failed: %r", offsets, exc)


__all__ = ["ConsumerLoop", "ParkFn", "Record", "RecordHandler"]
