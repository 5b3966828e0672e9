"""Rebuild the projections from scratch: empty them, replay the topics through the same handler.

It may run while the analytics service runs (`python -m pytake_analytics rebuild`, `pytake
rebuild analytics`): it holds the projections' rebuild lock from start to end, so the live
consumer's batches wait, then skip every record below the offsets the rebuild stored and go on
with the rest. Two rebuilds run one after the other.

The replay reads every partition of the three source topics from the beginning with no consumer
group, up to the end it found at start (the dev broker's end offsets can be short, so it also
waits for a quiet poll), and stores each partition's next offset with the rows, where the
service's consumer resumes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from pytake_analytics.adapters import projections as db
from pytake_analytics.migrate import MIGRATIONS
from pytake_analytics.projections.handler import ProjectionHandler
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.envelope import Envelope, EnvelopeError
from pytake_shared.kafka import Record

log = logging.getLogger(__name__)

Progress = Callable[[int, int], object]  # (records read so far, records to read, estimated)


@dataclass(frozen=True)
class RebuildReport:
    records: int  # records read
    undecodable: int  # records that are no envelope (the live consumer parked them)
    partitions: int
    seconds: float


async def rebuild(settings: AnalyticsSettings, progress: Progress | None = None) -> RebuildReport:
    """Wipe the projection tables and their offsets, then replay the topics into them."""
    started = time.monotonic()
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    lock = await asyncpg.connect(settings.database_url)
    try:
        await lock.execute("SELECT pg_advisory_lock($1)", db.REBUILD_LOCK)
        await migrate_pool(pool, "analytics", MIGRATIONS)
        async with pool.acquire() as conn, conn.transaction():
            await db.wipe(conn)
        handler = ProjectionHandler(settings.topics, pool, rebuilding=True)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            client_id=f"{settings.service_name}-rebuild",
        )
        await consumer.start()
        try:
            read, undecodable, count = await _replay(consumer, handler, settings, progress)
        finally:
            await consumer.stop()
    finally:
        await lock.close()  # releases the rebuild lock
        await pool.close()
    report = RebuildReport(read, undecodable, count, round(time.monotonic() - started, 3))
    log.info("projections rebuilt: %s", report)
    return report


async def _partitions(consumer: AIOKafkaConsumer, topics: tuple[str, ...]) -> list[TopicPartition]:
    async with asyncio.timeout(30):
        while True:
            await consumer.topics()  # refreshes the metadata
            found = {t: consumer.partitions_for_topic(t) for t in topics}
            if all(found.values()):
                return [TopicPartition(t, p) for t, ps in found.items() for p in sorted(ps or ())]
            await asyncio.sleep(0.2)


async def _replay(
    consumer: AIOKafkaConsumer,
    handler: ProjectionHandler,
    settings: AnalyticsSettings,
    progress: Progress | None,
) -> tuple[int, int, int]:
    tps = await _partitions(consumer, handler.sources)
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    begins = await consumer.beginning_offsets(tps)
    ends = await consumer.end_offsets(tps)
    total = sum(max(0, ends[tp] - begins[tp]) for tp in tps)
    read = undecodable = 0
    while True:
        batches = await consumer.getmany(
            timeout_ms=500, max_records=settings.kafka_max_poll_records
        )
        for tp, raw in batches.items():
            records, bad = _decode(raw)
            undecodable += bad
            async with handler.pool.acquire() as conn, conn.transaction():
                if records:
                    await handler.apply(conn, records)
                await db.store_offset(conn, tp.topic, tp.partition, raw[-1].offset + 1)
            read += len(raw)
        if batches and progress is not None:
            progress(read, max(total, read))
        if not batches:
            positions = [await consumer.position(tp) for tp in tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                return read, undecodable, len(tps)


def _decode(raw: list[ConsumerRecord]) -> tuple[list[Record], int]:
    out: list[Record] = []
    bad = 0
    for rec in raw:
        try:
            envelope = Envelope.from_bytes(rec.value)
        except EnvelopeError:
            bad += 1
            continue
        out.append(
            Record(
                topic=rec.topic,
                partition=rec.partition,
                offset=rec.offset,
                key=rec.key.decode("utf-8", "replace") if rec.key is not None else None,
                envelope=envelope,
                timestamp_ms=rec.timestamp,
                value=rec.value or b"",
                headers=tuple(rec.headers or ()),
            )
        )
    return out, bad
