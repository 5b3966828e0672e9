"""The executor store on PostgreSQL: applied ids, and forgetting the old ones; the outbox rows
forgotten after a publish."""

from __future__ import annotations

import uuid

import asyncpg

from pytake_executor.adapters.store import Store, TimerChanges
from pytake_shared.envelope import Envelope


async def _applied(pool: asyncpg.Pool, days_ago: int) -> uuid.UUID:
    command_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO executor.processed (id, processed_at) "
        "VALUES ($1, now() - make_interval(days => $2))",
        command_id,
        days_ago,
    )
    return command_id


async def test_processed_finds_only_the_ids_already_applied(executor_pool: asyncpg.Pool) -> None:
    applied = await _applied(executor_pool, 0)
    async with executor_pool.acquire() as conn:
        assert await Store.processed(conn, [applied, uuid.uuid4()]) == {applied}
        assert await Store.processed(conn, []) == set()


async def test_pruning_forgets_applied_ids_older_than_the_retention(
    executor_pool: asyncpg.Pool,
) -> None:
    old, older, recent = (
        await _applied(executor_pool, 8),
        await _applied(executor_pool, 40),
        await _applied(executor_pool, 6),
    )
    store = Store(executor_pool)
    assert await store.prune_processed() == 2
    async with executor_pool.acquire() as conn:
        assert await Store.processed(conn, [old, older, recent]) == {recent}
    assert await store.prune_processed(days=5) == 1
    assert await store.prune_processed() == 0


async def test_forgetting_a_published_batch_deletes_its_rows_and_nothing_else(
    executor_pool: asyncpg.Pool,
) -> None:
    """The batch's rows go (bounded by its first and last seq); rows of other partitions written
    in between, and an older row of the same partition (a leftover for the next flush), stay."""

    def env(n: int) -> Envelope:
        return Envelope.new("t", source="test", subject=f"k{n}", data={})

    store = Store(executor_pool)

    async def write(rows: list[tuple[int, str, Envelope]]) -> tuple[int, int]:
        async with executor_pool.acquire() as conn, conn.transaction():
            written = await store.save(
                conn, states=[], processed=[], outbox=rows, timers=TimerChanges(), offsets={}
            )
        assert written is not None
        return written

    leftover = await write([(1, "topic", env(0))])
    first, last = await write([(1, "topic", env(1)), (2, "topic", env(2)), (1, "topic", env(3))])
    assert last - first == 2 and first > leftover[1]
    await store.forget_published_batches([([1], first, last)])
    rows = await executor_pool.fetch(
        "SELECT source_partition, key FROM executor.outbox ORDER BY seq"
    )
    assert [tuple(r) for r in rows] == [(1, "k0"), (2, "k2")]
    await store.forget_published([1, 2], last)  # a flush: everything of theirs up to last
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") == 0
