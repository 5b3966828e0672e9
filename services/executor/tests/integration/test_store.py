"""The executor store on PostgreSQL: a batch read (applied ids, locked states) and written in one
statement each, applied ids forgotten when old, the outbox rows forgotten after a publish."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from pytake_executor.adapters.store import Store, TimerChanges
from pytake_shared.engine.state import ConversationState
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


async def _save(pool: asyncpg.Pool, **parts: Any) -> tuple[int, int] | None:
    """One batch written in its own transaction; the parts not given are empty."""
    batch: dict[str, Any] = {
        "states": [],
        "processed": [],
        "outbox": [],
        "timers": TimerChanges(),
        "offsets": {},
    }
    async with pool.acquire() as conn, conn.transaction():
        return await Store.save(conn, **(batch | parts))


async def _done(pool: asyncpg.Pool, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    async with pool.acquire() as conn:
        done, _ = await Store.read(conn, ids, [])
    return done


async def test_reading_a_batch_finds_the_ids_already_applied_and_the_states_stored(
    executor_pool: asyncpg.Pool,
) -> None:
    applied = await _applied(executor_pool, 0)
    await _save(
        executor_pool,
        states=[ConversationState(key="n:1", organization_id="org-a", status="active")],
        offsets={("commands", 3): 8},
    )
    async with executor_pool.acquire() as conn:
        done, states = await Store.read(conn, [applied, uuid.uuid4()], ["n:1", "n:2"])
        assert done == {applied}
        assert list(states) == ["n:1"]
        assert states["n:1"].organization_id == "org-a" and states["n:1"].status == "active"
        assert await Store.read(conn, [], []) == (set(), {})
    assert await Store(executor_pool).offsets("commands", [3, 4]) == {3: 8}


async def test_reading_a_batch_locks_its_conversations_until_the_transaction_ends(
    executor_pool: asyncpg.Pool,
) -> None:
    """Two executors briefly owning one partition (a rebalance) apply its commands one after
    the other, never both from the same state."""
    await _save(executor_pool, states=[ConversationState(key="n:1")])
    async with (
        executor_pool.acquire() as first,
        executor_pool.acquire() as second,
        first.transaction(),
    ):
        await Store.read(first, [], ["n:1"])
        async with second.transaction():
            await second.execute("SET LOCAL lock_timeout = '100ms'")
            with pytest.raises(asyncpg.LockNotAvailableError):
                await Store.read(second, [], ["n:1"])


async def test_a_timer_scheduled_and_done_in_one_batch_is_not_stored(
    executor_pool: asyncpg.Pool,
) -> None:
    """The batch is one statement whose parts do not see each other's rows: a timer scheduled
    and cancelled (or fired) within it must not outlive it, and one stored earlier goes."""
    timer = ("t-{}", "n:1", "org-a", "reminder", 10**12)
    await _save(executor_pool, timers=TimerChanges(schedule=[(timer[0].format(0), *timer[1:])]))
    await _save(
        executor_pool,
        timers=TimerChanges(
            schedule=[(timer[0].format(n), *timer[1:]) for n in (1, 2)], done=["t-0", "t-1"]
        ),
    )
    stored = await executor_pool.fetch("SELECT timer_id FROM executor.timers ORDER BY timer_id")
    assert [r["timer_id"] for r in stored] == ["t-2"]


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
    assert await _done(executor_pool, [old, older, recent]) == {recent}
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
        written = await _save(executor_pool, outbox=rows)
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
