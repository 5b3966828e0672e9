"""The one consumer loop every service runs: poll, feed the handler, commit, rebalance, stop.

- Batches from `getmany`, fed to the handler by the strategy its type asks for
  (`strategies.py`: per record, batched across partitions, pipelined); offsets committed by
  hand once what is below them is done (at-least-once; handlers drop repeats by envelope id).
- Failures are judged by `pytake_shared.faults.classify`: invalid input is parked in
  `<topic>.dlq` with the reason at once (`parking.py`); the environment being unavailable (a
  database or broker away, raw driver errors included) is retried with backoff and jitter for
  as long as it lasts, and readiness says so meanwhile (`retry.py`); anything else is a bug:
  the loop raises it, the process exits non-zero and restarts from the last commit. A bug never
  parks a record. Too many parked in a row halts the consumer (`ConsumerHalted`) rather than
  draining a topic into its DLQ.
- Rebalance-safe: a revocation waits for the records in progress to finish and commit; records
  of partitions no longer owned are dropped unprocessed. A handler can resume partitions from
  offsets it stored itself (`on_assigned` returns them).
- `stop()` (wired to SIGTERM) finishes what is in progress, commits and leaves the group.
- With a poll interval, a poll that returned records is followed by a pause until that long
  has passed since it started: under load the topic comes in batches of that much traffic
  (fewer fetches for the broker, fewer transactions for the handler); idle, nothing waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from prometheus_client import Gauge, Histogram

from pytake_shared.kafka.handlers import (
    BatchHandler,
    Handler,
    ParkFn,
    PipelinedHandler,
    RecordHandler,
)
from pytake_shared.kafka.parking import Parking
from pytake_shared.kafka.producer import Producer
from pytake_shared.kafka.records import Record
from pytake_shared.kafka.retry import Retrier
from pytake_shared.kafka.strategies import Polled, strategy_for
from pytake_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

LAG = Gauge("pytake_consumer_lag", "High-water mark minus position", ["topic", "partition"])
BATCH_SECONDS = Histogram("pytake_batch_seconds", "Time to handle one batch", ["group"])


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # Waiting for the lock means the poll in progress has been handled and committed.
        async with self._loop.lock:
            await self._loop.strategy.settle(set(revoked))
            await self._loop.handler.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        async with self._loop.lock:
            offsets = await self._loop.retry(lambda: self._loop.handler.on_assigned(set(assigned)))
            for tp, offset in offsets.items():
                self._loop.consumer.seek(tp, offset)
        self._loop.assigned.set()


class ConsumerLoop:
    """Consume `topics` as `group_id`, feeding `handler`; park poison records in DLQs."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        topics: Sequence[str],
        group_id: str,
        handler: Handler,
        producer: Producer,
        max_records: int | None = None,
        fetch_max_wait_ms: int | None = None,
        poll_interval_ms: int = 0,
    ) -> None:
        self._settings = settings
        self.fetch_max_wait_ms = fetch_max_wait_ms or settings.kafka_fetch_max_wait_ms
        # At least this long from one poll that returned records to the next (module doc).
        self.poll_interval_s = poll_interval_ms / 1000
        self._topics = list(topics)
        self.group_id = group_id
        self.handler = handler
        self._max_records = max_records or settings.kafka_max_poll_records
        self._stopping = asyncio.Event()
        self.lock = asyncio.Lock()  # one poll, revocation or stop at a time
        self.assigned = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self.retry = Retrier(self._stopping, topic=self._topics[0], group=group_id)
        self.parking = Parking(
            producer, group=group_id, max_consecutive=settings.dlq_max_consecutive
        )
        self.strategy = strategy_for(handler, self)

    @property
    def unavailable(self) -> str | None:
        """Why the environment is failing us, while it is."""
        return self.retry.unavailable

    def ready(self) -> bool:
        """Joined the group and not waiting for the environment to come back."""
        return self.assigned.is_set() and self.unavailable is None

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
                started = time.monotonic()
                polled = await self._consumer.getmany(timeout_ms=200, max_records=self._max_records)
                async with self.lock:
                    if polled:
                        await self.strategy.feed(polled)
                    await self.strategy.after_poll()
                if polled and self.poll_interval_s:
                    await self._pause(self.poll_interval_s - (time.monotonic() - started))
        finally:
            try:
                async with self.lock:
                    await self.strategy.stop()
            finally:
                await self._consumer.stop()
                self._consumer = None

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A partition moved during a rebalance: its new owner re-reads from the last
            # commit and the handlers drop what they already applied.
            log.warning("commit of %s failed: %r", offsets, exc)

    def observe(self, handled: Polled, started: float | None = None) -> None:
        """A batch's duration (if timed), and each partition's lag behind its high watermark."""
        if started is not None:
            BATCH_SECONDS.labels(self.group_id).observe(time.perf_counter() - started)
        for tp, raw in handled.items():
            highwater = self.consumer.highwater(tp)
            if highwater is not None:
                LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - raw[-1].offset - 1))


__all__ = [
    "BatchHandler",
    "ConsumerLoop",
    "Handler",
    "ParkFn",
    "PipelinedHandler",
    "Record",
    "RecordHandler",
]
