"""The executor store on PostgreSQL: applied ids, and forgetting the old ones."""

from __future__ import annotations

import uuid

import asyncpg

from pytake_executor.adapters.store import Store


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
