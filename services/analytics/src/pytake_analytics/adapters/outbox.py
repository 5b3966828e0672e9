"""The config outbox: snapshots written in the transaction that changed the data, published
after commit.

A write stages the entity's snapshot (or a tombstone) as an outbox row in its own transaction,
so a committed change always has its record waiting. `flush` publishes the rows in id order
and deletes them once the broker acknowledged; it runs after every write and periodically, so a
crash between commit and publish only delays the record. Flushes are serialized by an advisory
lock: two flushers interleaving could otherwise publish an older snapshot of a key last. Rows of
one entity are ordered because every write locks the entity's row before staging it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid

import asyncpg
from aiokafka.errors import KafkaError

from pytake_analytics.adapters import management
from pytake_shared.config import ConfigEntity, snapshot
from pytake_shared.envelope import Envelope, EnvelopeError
from pytake_shared.errors import TransientError
from pytake_shared.kafka.producer import Producer
from pytake_shared.secrets import SecretBox

log = logging.getLogger(__name__)

SOURCE = "pytake-analytics"
BATCH = 500
TOMBSTONE_TYPE = b"pytake.config.tombstone"
_LOCK = int.from_bytes(hashlib.sha256(b"analytics.outbox").digest()[:8], "big") - (1 << 63)


class Outbox:
    def __init__(self, pool: asyncpg.Pool, producer: Producer, topic: str, box: SecretBox) -> None:
        self._pool = pool
        self._producer = producer
        self._topic = topic
        self._box = box

    async def stage(self, conn: asyncpg.Connection, kind: str, entity: ConfigEntity) -> None:
        env = snapshot(kind, entity, source=SOURCE, box=self._box)
        await conn.execute(
            "INSERT INTO analytics.outbox (topic, key, value) VALUES ($1, $2, $3)",
            self._topic,
            env.subject,
            env.to_bytes(),
        )

    async def tombstone(self, conn: asyncpg.Connection, key: str) -> None:
        await conn.execute(
            "INSERT INTO analytics.outbox (topic, key, value) VALUES ($1, $2, NULL)",
            self._topic,
            key,
        )

    async def flush(self) -> int:
        """Publish every pending row; return how many. Raises `TransientError` on a broker
        failure (the rows stay for the next flush)."""
        sent = 0
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
                rows = await conn.fetch(
                    "SELECT id, topic, key, value FROM analytics.outbox ORDER BY id LIMIT $1", BATCH
                )
                if not rows:
                    return sent
                await self._send(rows)
                await conn.execute(
                    "DELETE FROM analytics.outbox WHERE id = ANY($1::bigint[])",
                    [r["id"] for r in rows],
                )
            sent += len(rows)
            if len(rows) < BATCH:
                return sent

    async def flush_quietly(self) -> None:
        """Flush after a commit, or periodically: a failure is logged and the next flush
        retries it. Never raises: the change is committed, so the caller must not be told
        it failed (a retried create would be a duplicate)."""
        try:
            await self.flush()
        except TransientError as exc:
            log.warning("config outbox not flushed yet (will retry): %r", exc)
        except Exception:
            log.exception("config outbox flush failed (will retry)")

    async def _send(self, rows: list[asyncpg.Record]) -> None:
        futures = []
        try:
            for r in rows:
                value: bytes | None = r["value"]
                headers = _headers(value)
                futures.append(
                    await self._producer.raw.send(
                        r["topic"], value, key=r["key"].encode(), headers=headers
                    )
                )
            await asyncio.gather(*futures)
        except KafkaError as exc:
            raise TransientError(f"broker did not acknowledge: {exc!r}") from exc

    # -- staging what a transaction changed (read back inside it, so the row is current) ----
    async def stage_org(self, conn: asyncpg.Connection, org_id: uuid.UUID) -> None:
        entity = await management.org_entity(conn, org_id)
        if entity is not None:
            await self.stage(conn, "org", entity)

    async def stage_number(self, conn: asyncpg.Connection, number_id: uuid.UUID) -> None:
        entity = await management.number_entity(conn, number_id, self._box)
        if entity is not None:
            await self.stage(conn, "number", entity)

    async def stage_chatbot(self, conn: asyncpg.Connection, chatbot_id: uuid.UUID) -> None:
        entity = await management.chatbot_entity(conn, chatbot_id)
        if entity is not None:
            await self.stage(conn, "chatbot", entity)

    async def stage_flow(self, conn: asyncpg.Connection, flow_id: uuid.UUID, version: int) -> None:
        entity = await management.flow_entity(conn, flow_id, version)
        if entity is not None:
            await self.stage(conn, "flow", entity)


def _headers(value: bytes | None) -> list[tuple[str, bytes]]:
    if value is None:
        return [("type", TOMBSTONE_TYPE)]
    try:
        return Envelope.from_bytes(value).headers()
    except EnvelopeError:  # only analytics writes these rows; never let one block the rest
        return [("type", b"pytake.config.snapshot")]
