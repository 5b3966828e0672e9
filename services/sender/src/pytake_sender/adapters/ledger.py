"""The outbound ledger (`sender.outbound_ledger`), keyed by `outbound_id`.

The calls every send makes (read its row, record the attempt, record the outcome) are group
committed: concurrent sends share one statement each (`pytake_shared.coalesce`), and each
still waits for its own row before it goes on (the attempt is written before Meta is called).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from pytake_shared.coalesce import Coalescer

# (outbound_id, organization_id, phone_number_id, status, wamid, code, error)
FinalRow = tuple[str, str, str, str, str | None, int | None, str | None]


class OutboundLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._get = Coalescer(self._get_many)
        self._attempt = Coalescer(self._attempt_many, key=lambda row: row[0])
        self._finish = Coalescer(self._finish_many, key=lambda row: row[0])

    async def get(self, outbound_id: str) -> dict[str, Any] | None:
        return await self._get(outbound_id)

    async def _get_many(self, ids: Sequence[str]) -> list[dict[str, Any] | None]:
        rows = await self._pool.fetch(
            "SELECT outbound_id, status, wamid, attempts FROM sender.outbound_ledger "
            "WHERE outbound_id = ANY($1::text[])",
            list(set(ids)),
        )
        found = {r["outbound_id"]: {k: r[k] for k in ("status", "wamid", "attempts")} for r in rows}
        return [found.get(i) for i in ids]

    async def attempt(self, outbound_id: str, organization_id: str, phone_number_id: str) -> int:
        """Record that a call is about to be made; returns the attempt number."""
        return await self._attempt((outbound_id, organization_id, phone_number_id))

    async def _attempt_many(self, rows: Sequence[tuple[str, str, str]]) -> list[int]:
        written = await self._pool.fetch(
            "INSERT INTO sender.outbound_ledger "
            "(outbound_id, organization_id, phone_number_id, status, attempts) "
            "SELECT o, g, p, 'sending', 1 FROM unnest($1::text[], $2::text[], $3::text[]) "
            "AS u(o, g, p) ON CONFLICT (outbound_id) DO UPDATE "
            "SET attempts = sender.outbound_ledger.attempts + 1, status = 'sending', "
            "updated_at = now() "
            "RETURNING outbound_id, attempts",
            *(list(column) for column in zip(*rows, strict=True)),
        )
        attempts = {r["outbound_id"]: r["attempts"] for r in written}
        return [attempts[outbound_id] for outbound_id, _, _ in rows]

    async def retrying(self, outbound_id: str, code: int | None, error: str) -> None:
        """The last attempt was definitely not accepted (Meta answered with an error)."""
        await self._pool.execute(
            "UPDATE sender.outbound_ledger SET status = 'retrying', last_error_code = $2, "
            "last_error = $3, updated_at = now() WHERE outbound_id = $1 AND status = 'sending'",
            outbound_id,
            code,
            error,
        )

    async def confirm(self, confirmations: list[tuple[str, str]]) -> int:
        """Mark (outbound_id, wamid) pairs accepted: Meta reported them in a status webhook."""
        if not confirmations:
            return 0
        result: str = await self._pool.execute(
            "UPDATE sender.outbound_ledger AS l SET status = 'accepted', wamid = c.wamid, "
            "updated_at = now() FROM unnest($1::text[], $2::text[]) AS c(outbound_id, wamid) "
            "WHERE l.outbound_id = c.outbound_id AND l.status <> 'accepted'",
            [o for o, _ in confirmations],
            [w for _, w in confirmations],
        )
        return int(result.split()[-1])

    async def finish(
        self,
        outbound_id: str,
        organization_id: str,
        phone_number_id: str,
        status: str,
        *,
        wamid: str | None = None,
        code: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record the final outcome (a row is created when no call was ever attempted)."""
        await self._finish(
            (outbound_id, organization_id, phone_number_id, status, wamid, code, error)
        )

    async def _finish_many(self, rows: Sequence[FinalRow]) -> list[None]:
        await self._pool.execute(
            "INSERT INTO sender.outbound_ledger (outbound_id, organization_id, phone_number_id, "
            "status, wamid, last_error_code, last_error) SELECT * FROM unnest($1::text[], "
            "$2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[]) "
            "ON CONFLICT (outbound_id) DO UPDATE SET status = EXCLUDED.status, "
            "wamid = COALESCE(EXCLUDED.wamid, sender.outbound_ledger.wamid), "
            "last_error_code = EXCLUDED.last_error_code, last_error = EXCLUDED.last_error, "
            "updated_at = now()",
            *(list(column) for column in zip(*rows, strict=True)),
        )
        return [None] * len(rows)
