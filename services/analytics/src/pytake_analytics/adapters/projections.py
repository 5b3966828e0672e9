"""PostgreSQL side of the projections: rows, applied ids and offsets of one batch together.

Everything here runs inside the caller's transaction. Conversations are read `FOR UPDATE` and
written back whole; history rows are inserted once (their ids are the events'); delivery rows
merge column by column (earliest time, first value, highest attempt) so their content does not
depend on the order of the three topics feeding them.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from pytake_analytics.domain.deliveries import DeliveryUpdate
from pytake_analytics.domain.projection import Conversation, Fact, Message, Queued, Visit
from pytake_shared.coalesce import rounds

# Every table `rebuild` empties (projection_offsets last: it says where the rows stop).
TABLES = (
    "conversations",
    "messages",
    "node_visits",
    "deliveries",
    "projection_pending",
    "projection_processed",
    "projection_offsets",
)


def clean(value: Any) -> Any:
    """`value` without NUL characters, which PostgreSQL text and jsonb refuse."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _json(value: Any) -> str:
    return orjson.dumps(clean(value), option=orjson.OPT_SORT_KEYS).decode()


async def _insert(
    conn: Any,
    table: str,
    columns: Sequence[tuple[str, str]],  # (name, PostgreSQL type)
    rows: Sequence[Sequence[Any]],
    tail: str,
    key: Callable[[Sequence[Any]], Any] | None = None,
) -> None:
    """INSERT `rows` (values in `columns`' order) with one `unnest` statement per round instead
    of one statement per row; `tail` is the ON CONFLICT clause, `key` its conflict key when it
    updates."""
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"${i}::{kind}[]" for i, (_, kind) in enumerate(columns, 1))
    sql = f"INSERT INTO analytics.{table} ({names}) SELECT * FROM unnest({arrays}) {tail}"
    for batch in rounds(rows, key) if key is not None else [rows]:
        if batch:
            await conn.execute(sql, *(list(column) for column in zip(*batch, strict=True)))


async def forget_offsets(pool: asyncpg.Pool) -> None:
    """The broker lost its topics: the offsets stored for them point nowhere now."""
    await pool.execute("DELETE FROM analytics.projection_offsets")


async def offsets(pool: asyncpg.Pool, topics: Sequence[str]) -> dict[tuple[str, int], int]:
    rows = await pool.fetch(
        "SELECT topic, partition, next_offset FROM analytics.projection_offsets "
        "WHERE topic = ANY($1::text[])",
        list(topics),
    )
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


# Live batches take this advisory lock shared, a rebuild holds it alone for its whole run: while
# a rebuild runs the live consumer waits, and afterwards skips what the rebuild already folded
# (records below the offsets it stored), so the two never fold the same record twice.
REBUILD_LOCK = 0x7079_7461_6B65_0001


async def share_rebuild_lock(conn: Any) -> None:
    """Wait out a running rebuild; held until the caller's transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", REBUILD_LOCK)


async def lock_offsets(conn: Any, parts: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The partitions' next offsets to apply (absent when none stored), locked for this batch
    in one statement, always in the same order (two instances overlapping in a rebalance wait
    for each other rather than deadlock)."""
    rows = await conn.fetch(
        "SELECT o.topic, o.partition, o.next_offset FROM analytics.projection_offsets o "
        "JOIN unnest($1::text[], $2::int[]) AS p(topic, partition) USING (topic, partition) "
        "ORDER BY o.topic, o.partition FOR UPDATE OF o",
        [t for t, _ in parts],
        [p for _, p in parts],
    )
    return {(r["topic"], r["partition"]): int(r["next_offset"]) for r in rows}


async def store_offset(conn: Any, topic: str, partition: int, next_offset: int) -> None:
    await store_offsets(conn, {(topic, partition): next_offset})


async def store_offsets(conn: Any, next_offsets: dict[tuple[str, int], int]) -> None:
    """Store each partition's next offset (never moving one back), in one statement."""
    parts = sorted(next_offsets)
    await conn.execute(
        "INSERT INTO analytics.projection_offsets (topic, partition, next_offset) "
        "SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) "
        "ON CONFLICT (topic, partition) DO UPDATE "
        "SET next_offset = GREATEST(projection_offsets.next_offset, EXCLUDED.next_offset)",
        [t for t, _ in parts],
        [p for _, p in parts],
        [next_offsets[part] for part in parts],
    )


async def claim(conn: Any, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Record `ids` as applied and return those that were not already: one statement, an index
    probe per id (a SELECT of a poll's hundreds of ids let the planner scan the whole table)."""
    if not ids:
        return set()
    rows = await conn.fetch(
        "INSERT INTO analytics.projection_processed (id) SELECT DISTINCT unnest($1::uuid[]) "
        "ON CONFLICT DO NOTHING RETURNING id",
        ids,
    )
    return {r["id"] for r in rows}


async def prune_processed(pool: asyncpg.Pool, days: int = 7) -> int:
    """Forget applied ids older than `days`: offsets are stored, so records that old are never
    read again, except by a rebuild, which starts with an empty table."""
    result: str = await pool.execute(
        "DELETE FROM analytics.projection_processed "
        "WHERE processed_at < now() - make_interval(days => $1)",
        days,
    )
    return int(result.split()[-1])


_CONVERSATION_FIELDS = [f.name for f in dataclasses.fields(Conversation)]
_JSON_FIELDS = {"contact", "variables", "path"}


def _conversation(row: asyncpg.Record) -> Conversation:
    values = {
        k: orjson.loads(row[k]) if k in _JSON_FIELDS else row[k] for k in _CONVERSATION_FIELDS
    }
    return Conversation(**values)


async def load_conversations(conn: Any, ids: Iterable[str]) -> dict[str, Conversation]:
    rows = await conn.fetch(
        f"SELECT {', '.join(_CONVERSATION_FIELDS)} FROM analytics.conversations "
        "WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
        sorted(set(ids)),
    )
    return {r["id"]: _conversation(r) for r in rows}


async def save_conversations(conn: Any, conversations: Iterable[Conversation]) -> None:
    """Upsert the rows in one statement: PostgreSQL reads them from one JSON array into the
    table's own column types (`executemany` ran one statement per row)."""
    rows = [clean(dataclasses.asdict(c)) for c in sorted(conversations, key=lambda c: c.id)]
    if not rows:
        return
    columns = ", ".join(_CONVERSATION_FIELDS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _CONVERSATION_FIELDS if c != "id")
    await conn.execute(
        f"INSERT INTO analytics.conversations ({columns}) SELECT {columns} "
        "FROM jsonb_populate_recordset(NULL::analytics.conversations, $1::jsonb) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        orjson.dumps(rows, default=str).decode(),  # asyncpg reads uuid columns as its own UUID
    )


async def take_pending(conn: Any, ids: Iterable[str]) -> dict[str, list[Fact]]:
    """Events parked for conversations that now start, in order; removed from the table."""
    rows = await conn.fetch(
        "DELETE FROM analytics.projection_pending WHERE conversation_id = ANY($1::text[]) "
        "RETURNING conversation_id, position, event",
        sorted(set(ids)),
    )
    out: dict[str, list[Fact]] = {}
    for r in sorted(rows, key=lambda r: r["position"]):
        e = orjson.loads(r["event"])
        out.setdefault(r["conversation_id"], []).append(
            Fact(
                event_id=e["event_id"],
                type=e["type"],
                data=e["data"],
                time=datetime.fromisoformat(e["time"]),
                key=e["key"],
                organization_id=e["organization_id"],
                position=r["position"],
            )
        )
    return out


async def add_pending(conn: Any, facts: Iterable[tuple[str, Fact]]) -> None:
    rows = []
    for conversation_id, f in facts:
        event = {
            "event_id": f.event_id,
            "type": f.type,
            "data": f.data,
            "time": f.time.isoformat(),
            "key": f.key,
            "organization_id": f.organization_id,
        }
        rows.append((conversation_id, f.position, _json(event)))
    await conn.executemany(
        "INSERT INTO analytics.projection_pending (conversation_id, position, event) "
        "VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING",
        rows,
    )


_MESSAGE_COLUMNS = (
    ("id", "text"),
    ("organization_id", "uuid"),
    ("conversation_id", "text"),
    ("key", "text"),
    ("position", "bigint"),
    ("direction", "text"),
    ("author", "text"),
    ("outbound_id", "text"),
    ("message_id", "text"),
    ("kind", "text"),
    ("text", "text"),
    ("body", "jsonb"),
    ("node_id", "text"),
    ("flow_id", "text"),
    ("flow_version", "int"),
    ("at", "timestamptz"),
)


async def add_messages(conn: Any, messages: Sequence[Message]) -> None:
    await _insert(
        conn,
        "messages",
        _MESSAGE_COLUMNS,
        [
            (
                m.id,
                m.organization_id,
                m.conversation_id,
                m.key,
                m.position,
                m.direction,
                m.author,
                m.outbound_id,
                clean(m.message_id),
                clean(m.kind),
                clean(m.text),
                _json(m.body),
                clean(m.node_id),
                m.flow_id,
                m.flow_version,
                m.at,
            )
            for m in messages
        ],
        "ON CONFLICT (id) DO NOTHING",
    )


_VISIT_COLUMNS = (
    ("conversation_id", "text"),
    ("flow_id", "text"),
    ("flow_version", "int"),
    ("node_id", "text"),
    ("organization_id", "uuid"),
    ("visits", "int"),
    ("first_at", "timestamptz"),
)


async def add_visits(conn: Any, visits: Sequence[Visit]) -> None:
    await _insert(
        conn,
        "node_visits",
        _VISIT_COLUMNS,
        [
            (
                v.conversation_id,
                v.flow_id,
                v.flow_version,
                clean(v.node_id),
                v.organization_id,
                1,
                v.at,
            )
            for v in visits
        ],
        "ON CONFLICT (conversation_id, flow_id, flow_version, node_id) DO UPDATE "
        "SET visits = node_visits.visits + 1, "
        "first_at = LEAST(node_visits.first_at, EXCLUDED.first_at)",
        key=lambda row: row[:4],
    )


_QUEUED_COLUMNS = (
    ("outbound_id", "text"),
    ("organization_id", "uuid"),
    ("conversation_id", "text"),
    ("key", "text"),
    ("flow_id", "text"),
    ("flow_version", "int"),
    ("node_id", "text"),
    ("queued_at", "timestamptz"),
)


async def add_queued(conn: Any, queued: Sequence[Queued]) -> None:
    await _insert(
        conn,
        "deliveries",
        _QUEUED_COLUMNS,
        [
            (
                q.outbound_id,
                q.organization_id,
                q.conversation_id,
                q.key,
                q.flow_id,
                q.flow_version,
                clean(q.node_id),
                q.at,
            )
            for q in sorted(queued, key=lambda q: q.outbound_id)
        ],
        "ON CONFLICT (organization_id, outbound_id) DO UPDATE SET "
        "conversation_id = COALESCE(deliveries.conversation_id, EXCLUDED.conversation_id), "
        "key = COALESCE(deliveries.key, EXCLUDED.key), "
        "flow_id = COALESCE(deliveries.flow_id, EXCLUDED.flow_id), "
        "flow_version = COALESCE(deliveries.flow_version, EXCLUDED.flow_version), "
        "node_id = COALESCE(deliveries.node_id, EXCLUDED.node_id), "
        "queued_at = LEAST(deliveries.queued_at, EXCLUDED.queued_at)",
        key=lambda row: (row[1], row[0]),
    )


_EARLIEST = (
    "accepted_at",
    "send_failed_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "indefinite_at",
    "cancelled_at",
)
_FIRST = ("wamid", "send_error_code", "send_error_reason", "indefinite_reason")


async def number_owners(conn: Any, phone_number_ids: set[str]) -> dict[str, str]:
    """phone_number_id → the organization owning it, for the ones that exist."""
    if not phone_number_ids:
        return {}
    rows = await conn.fetch(
        "SELECT phone_number_id, organization_id FROM analytics.whatsapp_numbers "
        "WHERE phone_number_id = ANY($1::text[])",
        sorted(phone_number_ids),
    )
    return {r["phone_number_id"]: str(r["organization_id"]) for r in rows}


async def merge_deliveries(conn: Any, updates: Sequence[DeliveryUpdate]) -> None:
    columns = [f.name for f in dataclasses.fields(DeliveryUpdate)]
    sets = [f"{c} = LEAST(deliveries.{c}, EXCLUDED.{c})" for c in _EARLIEST]
    sets += [f"{c} = COALESCE(deliveries.{c}, EXCLUDED.{c})" for c in _FIRST]
    sets.append("retries = GREATEST(deliveries.retries, EXCLUDED.retries)")
    # The code of the earliest failure Meta reported wins, like its time.
    sets.append("status_failed_at = LEAST(deliveries.status_failed_at, EXCLUDED.status_failed_at)")
    sets.append(
        "status_error_code = CASE WHEN EXCLUDED.status_failed_at < deliveries.status_failed_at "
        "OR deliveries.status_failed_at IS NULL "
        "THEN COALESCE(EXCLUDED.status_error_code, deliveries.status_error_code) "
        "ELSE COALESCE(deliveries.status_error_code, EXCLUDED.status_error_code) END"
    )
    sets.append(
        "status_error_reason = CASE WHEN EXCLUDED.status_failed_at < deliveries.status_failed_at "
        "OR deliveries.status_failed_at IS NULL "
        "THEN COALESCE(EXCLUDED.status_error_reason, deliveries.status_error_reason) "
        "ELSE COALESCE(deliveries.status_error_reason, EXCLUDED.status_error_reason) END"
    )
    await _insert(
        conn,
        "deliveries",
        [(name, _delivery_type(name)) for name in columns],
        [
            [clean(v) for v in dataclasses.astuple(u)]
            for u in sorted(updates, key=lambda u: u.outbound_id)
        ],
        f"ON CONFLICT (organization_id, outbound_id) DO UPDATE SET {', '.join(sets)}",
        key=lambda row: (row[1], row[0]),
    )


def _delivery_type(column: str) -> str:
    if column == "organization_id":
        return "uuid"
    if column.endswith("_at"):
        return "timestamptz"
    if column == "retries" or column.endswith("_code"):
        return "int"
    return "text"


async def wipe(conn: Any) -> None:
    await conn.execute(f"TRUNCATE {', '.join('analytics.' + t for t in TABLES)}")
