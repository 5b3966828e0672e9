"""Connections for the API: plain pooled connections, and transactions whose outbox rows are
flushed to the config topic once they committed.

Constraint and data errors that input checks should have prevented still end as a 409 or 422
(and a log line), never as a 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from pytake_analytics.adapters.outbox import Outbox
from pytake_analytics.domain.errors import Conflict, Unprocessable

log = logging.getLogger(__name__)


class Store:
    def __init__(self, pool: asyncpg.Pool, outbox: Outbox) -> None:
        self.pool = pool
        self.outbox = outbox

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn:
            try:
                yield conn
            except asyncpg.IntegrityConstraintViolationError as exc:
                log.warning("constraint violated: %r", exc)
                raise Conflict("the change conflicts with existing data", code="conflict") from exc
            except asyncpg.DataError as exc:
                log.warning("data rejected by the database: %r", exc)
                raise Unprocessable("a value cannot be stored", code="invalid_value") from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction; after it committed, its outbox rows are published."""
        async with self.connect() as conn, conn.transaction():
            yield conn
        await self.outbox.flush_quietly()
