"""PostgreSQL side of exactly-once: state, processed ids, outbox and offsets in one transaction.

After the transaction commits, the batch's outbox rows are published in order (from memory:
they are the records just written) and deleted. If the process dies in between, the rows are
still there: they are published first when the partition is assigned again, and consumption
resumes from the stored offsets. If publishing fails, the handler publishes from the table next
(`flush_outbox`), so what was left behind goes out before anything newer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from pytake_shared.engine.state import ConversationState
from pytake_shared.envelope import Envelope
from pytake_shared.kafka.producer import Producer


@dataclass
class TimerChanges:
    """Timers to store and to forget, written in the batch's transaction."""

    schedule: list[tuple[str, str, str | None, str, int]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


class Store:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @staticmethod
    async def read(
        conn: Any, ids: Sequence[uuid.UUID], keys: Iterable[str]
    ) -> tuple[set[uuid.UUID], dict[str, ConversationState]]:
        """The batch's command ids already applied, and its conversations' states, locked until
        the transaction ends: one statement (two were two round trips per batch)."""
        rows = await conn.fetch(
            "WITH locked AS (SELECT key, state FROM executor.conversations "
            "WHERE key = ANY($2::text[]) FOR UPDATE) "
            "SELECT key, state, NULL::uuid AS id FROM locked UNION ALL "
            "SELECT NULL, NULL, id FROM executor.processed WHERE id = ANY($1::uuid[])",
            ids,
            list(keys),
        )
        done = {r["id"] for r in rows if r["id"] is not None}
        states = {
            r["key"]: ConversationState.model_validate(orjson.loads(r["state"]))
            for r in rows
            if r["key"] is not None
        }
        return done, states

    @staticmethod
    async def save(
        conn: Any,
        *,
        states: Iterable[ConversationState],
        processed: Sequence[uuid.UUID],
        outbox: Sequence[tuple[int, str, Envelope]],  # (source partition, topic, envelope)
        timers: TimerChanges,
        offsets: dict[tuple[str, int], int],  # (topic, partition) -> next offset
    ) -> tuple[int, int] | None:
        """Write the batch in one statement; returns its outbox rows' first and last `seq`
        (None when none). Each table is written by one part of the statement (states are one
        per key, offsets one per partition): `executemany` ran a statement per row, and one
        statement per table was still six round trips per batch.

        The parts of one statement do not see each other's rows, so a timer both scheduled and
        done within the batch is left out of both (as before: stored, then deleted)."""
        saved = list(states)
        done = set(timers.done)
        schedule = [t for t in timers.schedule if t[0] not in done]
        timer_columns = [list(c) for c in zip(*schedule, strict=True)] or [[]] * 5
        row = await conn.fetchrow(
            "WITH states AS ("
            "INSERT INTO executor.conversations (key, organization_id, state) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) "
            "ON CONFLICT (key) DO UPDATE "
            "SET state = EXCLUDED.state, organization_id = EXCLUDED.organization_id, "
            "updated_at = now()), "
            "applied AS (INSERT INTO executor.processed (id) "
            "SELECT unnest($4::uuid[]) ON CONFLICT DO NOTHING), "
            # rows numbered in the order they are to be published
            "written AS (INSERT INTO executor.outbox (source_partition, topic, key, value) "
            "SELECT p, t, k, v FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) "
            "WITH ORDINALITY AS u(p, t, k, v, n) ORDER BY n RETURNING seq), "
            "scheduled AS ("
            "INSERT INTO executor.timers (timer_id, key, organization_id, kind, fire_at) "
            "SELECT * FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], "
            "$13::bigint[]) ON CONFLICT (timer_id) DO NOTHING), "
            "fired AS (DELETE FROM executor.timers WHERE timer_id = ANY($14::text[])), "
            "stored AS (INSERT INTO executor.offsets (topic, partition, next_offset) "
            "SELECT * FROM unnest($15::text[], $16::int[], $17::bigint[]) "
            "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset) "
            "SELECT min(seq), max(seq) FROM written",
            [st.key for st in saved],
            [st.organization_id for st in saved],
            [st.model_dump_json() for st in saved],
            processed,
            [partition for partition, _, _ in outbox],
            [t for _, t, _ in outbox],
            [env.subject for _, _, env in outbox],
            [env.to_bytes() for _, _, env in outbox],
            *timer_columns,
            list(done),
            [topic for topic, _ in offsets],
            [partition for _, partition in offsets],
            list(offsets.values()),
        )
        return None if row[0] is None else (row[0], row[1])

    async def due_timers(self, now: int, limit: int = 1000) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            "SELECT timer_id, key, organization_id, kind, fire_at FROM executor.timers "
            "WHERE fire_at <= $1 ORDER BY fire_at LIMIT $2",
            now,
            limit,
        )
        return [dict(r) for r in rows]

    async def forget_timers(self, timer_ids: list[str]) -> None:
        await self.pool.execute(
            "DELETE FROM executor.timers WHERE timer_id = ANY($1::text[])", timer_ids
        )

    async def prune_processed(self, days: int = 7) -> int:
        """Forget applied command ids older than `days`: offsets are stored, so commands that
        old are never delivered again."""
        result: str = await self.pool.execute(
            "DELETE FROM executor.processed WHERE processed_at < now() - make_interval(days => $1)",
            days,
        )
        return int(result.split()[-1])

    async def offsets(self, topic: str, partitions: Iterable[int]) -> dict[int, int]:
        rows = await self.pool.fetch(
            "SELECT partition, next_offset FROM executor.offsets "
            "WHERE topic = $1 AND partition = ANY($2::int[])",
            topic,
            list(partitions),
        )
        return {r["partition"]: r["next_offset"] for r in rows}

    async def forget_offsets(self) -> None:
        """The broker lost its topics: the offsets stored for them point nowhere now."""
        await self.pool.execute("DELETE FROM executor.offsets")

    async def forget_published(self, partitions: Sequence[int], last_seq: int) -> None:
        await self.pool.execute(
            "DELETE FROM executor.outbox WHERE source_partition = ANY($1::int[]) AND seq <= $2",
            list(partitions),
            last_seq,
        )

    async def forget_published_batches(
        self, batches: Sequence[tuple[Sequence[int], int, int]]
    ) -> None:
        """Delete the rows of published batches, each (its partitions, first seq, last seq), in
        one statement; each range is scanned from its first row, not from the index entries of
        every row deleted before and not yet vacuumed."""
        flat = [(p, first, last) for partitions, first, last in batches for p in partitions]
        if flat:
            await self.pool.execute(
                "DELETE FROM executor.outbox o "
                "USING unnest($1::int[], $2::bigint[], $3::bigint[]) AS b(p, first, last) "
                "WHERE o.source_partition = b.p AND o.seq BETWEEN b.first AND b.last",
                [p for p, _, _ in flat],
                [first for _, first, _ in flat],
                [last for _, _, last in flat],
            )

    async def flush_outbox(self, producer: Producer, partitions: Sequence[int]) -> int:
        """Publish the partitions' outbox rows in order, then delete them."""
        rows = await self.pool.fetch(
            "SELECT seq, topic, key, value FROM executor.outbox "
            "WHERE source_partition = ANY($1::int[]) ORDER BY seq",
            list(partitions),
        )
        if not rows:
            return 0
        await producer.send_many(
            (r["topic"], Envelope.from_bytes(r["value"]), r["key"]) for r in rows
        )
        await self.forget_published(partitions, rows[-1]["seq"])
        return len(rows)
