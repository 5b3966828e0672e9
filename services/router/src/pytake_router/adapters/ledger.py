"""The durable dedupe ledger (PostgreSQL `router.dedupe_ledger`).

Shared by every router instance and kept across restarts. Keys are checked before forwarding
and recorded after the broker acknowledged, so a crash in between forwards again (the
deterministic command id lets the executor drop that repeat) rather than losing the item.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg


class DedupeLedger:
    def __init__(self, pool: asyncpg.Pool, retention_days: int) -> None:
        self._pool = pool
        self._retention_days = retention_days

    async def seen(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        if not keys:
            return set()
        rows = await self._pool.fetch(
            "SELECT dedupe_key FROM router.dedupe_ledger WHERE dedupe_key = ANY($1::text[]) "
            "AND seen_at > now() - make_interval(days => $2)",
            keys,
            self._retention_days,
        )
        return {r["dedupe_key"] for r in rows}

    async def record(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            await self._pool.execute(
                "INSERT INTO router.dedupe_ledger (dedupe_key) SELECT DISTINCT unnest($1::text[]) "
                "ON CONFLICT (dedupe_key) DO UPDATE SET seen_at = now() "
                # Only an expired key restarts its retention; a live one keeps its first sight.
                "WHERE router.dedupe_ledger.seen_at <= now() - make_interval(days => $2)",
                keys,
                self._retention_days,
            )

    async def prune(self) -> int:
        result: str = await self._pool.execute(
            "DELETE FROM router.dedupe_ledger WHERE seen_at < now() - make_interval(days => $1)",
            self._retention_days,
        )
        return int(result.split()[-1])
