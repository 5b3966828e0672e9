"""The outbound ledger (`sender.outbound_ledger`), keyed by `outbound_id`."""

from __future__ import annotations

from typing import Any

import asyncpg


class OutboundLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, outbound_id: str) -> dict[str, Any] | None:
        row = await self._pool.fetchrow(
            "SELECT status, wamid, attempts FROM sender.outbound_ledger WHERE outbound_id = $1",
            outbound_id,
        )
        return dict(row) if row else None

    async def attempt(self, outbound_id: str, organization_id: str, phone_number_id: str) -> int:
        """Record that a call is about to be made; returns the attempt number."""
        attempts: int = await self._pool.fetchval(
            "INSERT INTO sender.outbound_ledger "
            "(outbound_id, organization_id, phone_number_id, status, attempts) "
            "VALUES ($1, $2, $3, 'sending', 1) ON CONFLICT (outbound_id) DO UPDATE "
            "SET attempts = sender.outbound_ledger.attempts + 1, status = 'sending', "
            "updated_at = now() "
            "RETURNING attempts",
            outbound_id,
            organization_id,
            phone_number_id,
        )
        return attempts

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
        await self._pool.execute(
            "INSERT INTO sender.outbound_ledger (outbound_id, organization_id, phone_number_id, "
            "status, wamid, last_error_code, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (outbound_id) DO UPDATE SET status = EXCLUDED.status, "
            "wamid = COALESCE(EXCLUDED.wamid, sender.outbound_ledger.wamid), "
            "last_error_code = EXCLUDED.last_error_code, last_error = EXCLUDED.last_error, "
            "updated_at = now()",
            outbound_id,
            organization_id,
            phone_number_id,
            status,
            wamid,
            code,
            error,
        )
