"""Live updates for the console: what changed in the projections, pushed as it commits.

The projection batch that changes a conversation (a message, a status, a handoff, a delivery
tick) sends `pg_notify('pytake_live', …)` in its own transaction, so a notification leaves only
once the change is committed, from whichever analytics instance folded it. Every instance
LISTENs on one connection of its own (`LiveHub`) and hands each notification to the streams of
its organization (`GET /api/v1/live`). A notification says which conversation changed, never
what: the console reads it again through the API, with the caller's rights.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from pytake_shared import faults

log = logging.getLogger(__name__)

CHANNEL = "pytake_live"
QUEUE_SIZE = 1000  # a stream this far behind loses the oldest (the console reloads anyway)


@dataclass(frozen=True)
class Change:
    organization_id: str
    key: str
    kind: str  # conversation, delivery
    conversation_id: str | None = None
    status: str | None = None

    def to_json(self) -> dict[str, Any]:
        phone_number_id, _, contact = self.key.partition(":")
        return {
            "kind": self.kind,
            "key": self.key,
            "phone": contact,
            "phone_number_id": phone_number_id,
            "conversation_id": self.conversation_id,
            "status": self.status,
        }


async def notify(conn: Any, changes: Iterable[Change]) -> None:
    """Queue the notifications of `changes` in `conn`'s transaction (sent at commit)."""
    payloads = sorted({orjson.dumps(c.__dict__).decode() for c in changes})
    if payloads:
        await conn.executemany("SELECT pg_notify($1, $2)", [(CHANNEL, p) for p in payloads])


async def delivery_changes(conn: Any, rows: Iterable[tuple[uuid.UUID, str]]) -> list[Change]:
    """The conversations whose outbound messages these delivery updates touched, each row an
    (organization, outbound id)."""
    pairs = sorted(set(rows))
    found = await conn.fetch(
        "SELECT DISTINCT d.organization_id, d.key, d.conversation_id FROM analytics.deliveries d "
        "JOIN unnest($1::uuid[], $2::text[]) AS u(org, id) "
        "ON d.organization_id = u.org AND d.outbound_id = u.id WHERE d.key IS NOT NULL",
        [org for org, _ in pairs],
        [outbound for _, outbound in pairs],
    )
    return [
        Change(str(r["organization_id"]), r["key"], "delivery", r["conversation_id"]) for r in found
    ]


class LiveHub:
    """One LISTEN connection per instance, fanned out to the open streams."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._streams: dict[int, tuple[uuid.UUID | None, asyncio.Queue[Change]]] = {}
        self._stop = asyncio.Event()
        self.listening = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    @contextlib.asynccontextmanager
    async def subscribe(self, scope: uuid.UUID | None) -> AsyncIterator[asyncio.Queue[Change]]:
        """Changes of `scope` (None: every organization, super admin) until the block ends."""
        queue: asyncio.Queue[Change] = asyncio.Queue(QUEUE_SIZE)
        self._streams[id(queue)] = (scope, queue)
        try:
            yield queue
        finally:
            self._streams.pop(id(queue), None)

    def publish(self, change: Change) -> None:
        for scope, queue in list(self._streams.values()):
            if scope is not None and str(scope) != change.organization_id:
                continue
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(change)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.publish(Change(**orjson.loads(payload)))
        except (TypeError, ValueError) as exc:
            log.warning("ignoring a live notification: %r", exc)

    async def run(self) -> None:
        """LISTEN until stopped; a lost connection (a database restart) is opened again."""
        attempt = 0
        while not self._stop.is_set():
            try:
                conn = await asyncpg.connect(self._dsn)
            except Exception as exc:
                if not faults.is_transient(exc):
                    raise
                attempt += 1
                await self._pause(min(5.0, 0.2 * 2**attempt))
                continue
            attempt = 0
            try:
                await conn.add_listener(CHANNEL, self._on_notify)
                self.listening.set()
                while not self._stop.is_set():
                    await self._pause(5.0)
                    await conn.fetchval("SELECT 1", timeout=5)  # a dead connection shows here
            except Exception as exc:
                if not faults.is_transient(exc):
                    raise
                log.warning("live updates: listening again after %r", exc)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
