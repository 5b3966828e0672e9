"""The dedupe ledger on PostgreSQL: what counts as seen, recording, pruning."""

from __future__ import annotations

import asyncpg
import pytest

from pytake_router.adapters.ledger import DedupeLedger


@pytest.fixture
def ledger(router_pool: asyncpg.Pool) -> DedupeLedger:
    return DedupeLedger(router_pool, retention_days=7)


async def _age(pool: asyncpg.Pool, key: str, days: int) -> None:
    await pool.execute(
        "INSERT INTO router.dedupe_ledger (dedupe_key, seen_at) "
        "VALUES ($1, now() - make_interval(days => $2))",
        key,
        days,
    )


async def test_recorded_keys_are_seen_and_others_are_not(ledger: DedupeLedger) -> None:
    await ledger.record(["msg:a", "msg:b"])
    assert await ledger.seen(["msg:a", "msg:b", "msg:c"]) == {"msg:a", "msg:b"}


async def test_recording_a_key_twice_is_harmless(ledger: DedupeLedger) -> None:
    await ledger.record(["msg:a", "msg:a"])
    await ledger.record(["msg:a"])
    assert await ledger.seen(["msg:a"]) == {"msg:a"}


async def test_empty_inputs_touch_nothing(ledger: DedupeLedger) -> None:
    assert await ledger.seen([]) == set()
    await ledger.record([])
    assert await ledger.prune() == 0


async def test_keys_older_than_the_retention_are_no_longer_seen(
    ledger: DedupeLedger, router_pool: asyncpg.Pool
) -> None:
    await _age(router_pool, "msg:old", 8)
    await _age(router_pool, "msg:recent", 6)
    assert await ledger.seen(["msg:old", "msg:recent"]) == {"msg:recent"}


async def test_prune_deletes_only_keys_past_the_retention_and_counts_them(
    ledger: DedupeLedger, router_pool: asyncpg.Pool
) -> None:
    await _age(router_pool, "msg:old1", 8)
    await _age(router_pool, "msg:old2", 30)
    await _age(router_pool, "msg:recent", 6)
    await ledger.record(["msg:now"])
    assert await ledger.prune() == 2
    remaining = {
        r["dedupe_key"]
        for r in await router_pool.fetch("SELECT dedupe_key FROM router.dedupe_ledger")
    }
    assert remaining == {"msg:recent", "msg:now"}
    assert await ledger.prune() == 0


async def test_the_retention_is_a_setting(router_pool: asyncpg.Pool) -> None:
    await _age(router_pool, "msg:2d", 2)
    assert await DedupeLedger(router_pool, retention_days=1).seen(["msg:2d"]) == set()
    assert await DedupeLedger(router_pool, retention_days=3).seen(["msg:2d"]) == {"msg:2d"}
