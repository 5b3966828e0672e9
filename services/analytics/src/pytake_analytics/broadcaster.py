"""The broadcast runner: publishes each running broadcast's sends to wa.outbound.v1, paced.

One analytics instance runs it at a time (it holds a PostgreSQL session advisory lock; another
instance takes over when that connection goes, e.g. after a `kill -9`). Every tick it gives
each number a share of its rate (`domain.broadcasts.Pacer`, `BROADCAST_RATE_SHARE` of the
number's `messages_per_second`, else `BROADCAST_DEFAULT_MPS`), split between that number's
running broadcasts, and for each broadcast, in one transaction: takes the next pending
recipients, skips those who opted out, publishes the others' sends and waits for the
broker's acknowledgement, then marks them queued. A crash between the publish and the commit
publishes them again on the next run under the same envelope and outbound ids, and the
sender's ledger never calls Meta twice for one outbound id: nobody is sent twice, nobody is
lost. A broadcast whose template is no longer APPROVED is paused with the reason (Meta would
refuse every send: 132015/132016), and one with nobody pending left is completed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import orjson

from pytake_analytics.adapters import broadcasts as db
from pytake_analytics.domain.broadcasts import Pacer, broadcast_rate
from pytake_shared import contracts as c
from pytake_shared.contracts import OutboundMessage, SendMessage
from pytake_shared.contracts.commands import Contact
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.faults import is_transient
from pytake_shared.kafka.producer import Producer
from pytake_shared.topics import conversation_key

log = logging.getLogger(__name__)

SOURCE = "pytake-analytics"
_LEADER = int.from_bytes(hashlib.sha256(b"analytics.broadcaster").digest()[:8], "big") - (1 << 63)
MAX_PER_TICK = 2000


class Broadcaster:
    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: Producer,
        topic: str,
        *,
        default_mps: float,
        share: float,
        tick_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._topic = topic
        self._default_mps = default_mps
        self._share = share
        self._tick_s = tick_s
        self._clock = clock
        self._pacer = Pacer()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                async with self._pool.acquire() as leader:
                    if await leader.fetchval("SELECT pg_try_advisory_lock($1)", _LEADER):
                        try:
                            await self._lead()
                        finally:
                            await self._unlock(leader)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("broadcasts wait for the environment: %r", exc)
            await self._pause(1.0)

    @staticmethod
    async def _unlock(leader: asyncpg.Connection) -> None:
        """Give the lead up. A connection the database dropped (a restart) took the lock with
        its session; one that cannot unlock for another reason is closed, which ends it too."""
        try:
            await leader.execute("SELECT pg_advisory_unlock($1)", _LEADER)
        except (asyncpg.InterfaceError, asyncpg.PostgresError, OSError) as exc:
            log.warning("broadcasts: leaving the lead with the connection: %r", exc)
            with contextlib.suppress(asyncpg.InterfaceError):
                leader.terminate()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _lead(self) -> None:
        while not self._stop.is_set():
            await self.tick()
            await self._pause(self._tick_s)

    async def tick(self) -> int:
        """Dispatch what the rates allow now; the number of sends published."""
        async with self._pool.acquire() as conn:
            active = await db.running(conn)
        by_number: dict[str, list[asyncpg.Record]] = {}
        for row in active:
            by_number.setdefault(row["phone_number_id"], []).append(row)
        sent = 0
        now = self._clock()
        for number, rows in by_number.items():
            mps = float(rows[0]["messages_per_second"] or self._default_mps)
            rate = broadcast_rate(mps, self._share)
            granted = self._pacer.grant(number, now, rate, MAX_PER_TICK)
            used = 0
            for i, row in enumerate(rows):
                share = (granted - used) // (len(rows) - i)
                if share > 0 or granted == 0:
                    used += await self._dispatch(row, share)
            self._pacer.refund(number, granted - used)
            sent += used
        return sent

    async def _dispatch(self, row: asyncpg.Record, limit: int) -> int:
        broadcast_id: uuid.UUID = row["id"]
        async with self._pool.acquire() as conn, conn.transaction():
            current = await conn.fetchrow(
                "SELECT status FROM analytics.broadcasts WHERE id = $1 FOR UPDATE SKIP LOCKED",
                broadcast_id,
            )
            if current is None or current["status"] != "running":
                return 0
            template = row["template_status"]
            if template != "APPROVED":
                reason = f"template {row['template_name']} ({row['language']}) is {template}"
                await db.set_status(conn, broadcast_id, "paused", reason)
                log.warning("broadcast %s paused: %s", broadcast_id, reason)
                return 0
            if limit <= 0:
                return 0
            pending = await db.take_pending(conn, broadcast_id, limit)
            if not pending:
                await db.set_status(conn, broadcast_id, "completed", None)
                log.info("broadcast %s completed", broadcast_id)
                return 0
            skipped = [r["position"] for r in pending if r["opted_out"]]
            sends = [r for r in pending if not r["opted_out"]]
            await self._producer.send_many((self._topic, _send(row, r)) for r in sends)
            await db.mark(
                conn, broadcast_id, [r["position"] for r in sends], skipped, datetime.now(UTC)
            )
        return len(sends)


def _send(broadcast: asyncpg.Record, recipient: asyncpg.Record) -> Envelope:
    components = recipient["components"]
    if isinstance(components, str):
        components = orjson.loads(components)
    org = str(broadcast["organization_id"])
    command = SendMessage(
        outbound_id=recipient["outbound_id"],
        organization_id=org,
        phone_number_id=broadcast["phone_number_id"],
        contact=Contact(id=recipient["wa_id"], wa_id=recipient["wa_id"]),
        message=OutboundMessage(
            kind="template",
            template_name=broadcast["template_name"],
            language_code=broadcast["language"],
            components=components,
        ),
        broadcast_id=str(broadcast["id"]),
    )
    key = conversation_key(broadcast["phone_number_id"], recipient["wa_id"])
    return Envelope.new(
        c.OUT_SEND,
        id=deterministic_id("broadcast.send", recipient["outbound_id"]),
        source=SOURCE,
        subject=key,
        organization_id=org,
        data=command.model_dump(mode="json"),
    )
