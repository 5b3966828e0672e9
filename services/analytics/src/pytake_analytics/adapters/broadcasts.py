"""Broadcasts and their recipients in PostgreSQL; outcomes are read from the deliveries
projection (the sender's records and Meta's statuses, by outbound id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from pytake_analytics.domain.broadcasts import Planned, outcome, tally
from pytake_shared.envelope import deterministic_id

_IN_SCOPE = "($1::uuid IS NULL OR organization_id = $1)"
_FLAGS = (
    "d.send_failed_at IS NOT NULL AS send_failed_at, "
    "d.status_failed_at IS NOT NULL AS status_failed_at, d.read_at IS NOT NULL AS read_at, "
    "d.delivered_at IS NOT NULL AS delivered_at, d.sent_at IS NOT NULL AS sent_at, "
    "d.accepted_at IS NOT NULL AS accepted_at, d.indefinite_at IS NOT NULL AS indefinite_at, "
    "d.cancelled_at IS NOT NULL AS cancelled_at, coalesce(d.retries, 0) AS retries"
)
_JOIN = (
    "FROM analytics.broadcast_recipients r LEFT JOIN analytics.deliveries d "
    "ON d.organization_id = r.organization_id AND d.outbound_id = r.outbound_id"
)


def outbound_id(broadcast_id: uuid.UUID, wa_id: str) -> str:
    """The one outbound id of a recipient's send: a re-dispatch is the same send."""
    return str(deterministic_id("broadcast", str(broadcast_id), wa_id))


async def create(
    conn: asyncpg.Connection, fields: dict[str, Any], planned: list[Planned]
) -> asyncpg.Record:
    broadcast_id = uuid.uuid4()
    row: asyncpg.Record = await conn.fetchrow(
        "INSERT INTO analytics.broadcasts (id, organization_id, number_id, phone_number_id, "
        "waba_id, name, template_name, language, status, total, created_by) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9, $10) RETURNING *",
        broadcast_id,
        fields["organization_id"],
        fields["number_id"],
        fields["phone_number_id"],
        fields["waba_id"],
        fields["name"],
        fields["template_name"],
        fields["language"],
        len(planned),
        fields["created_by"],
    )
    await conn.execute(
        "INSERT INTO analytics.broadcast_recipients (broadcast_id, position, organization_id, "
        "wa_id, components, outbound_id) SELECT $1, t.position, $2, t.wa_id, t.components, "
        "t.outbound_id FROM unnest($3::int[], $4::text[], $5::jsonb[], $6::text[]) "
        "AS t(position, wa_id, components, outbound_id)",
        broadcast_id,
        fields["organization_id"],
        list(range(1, len(planned) + 1)),
        [p.wa_id for p in planned],
        [orjson.dumps(p.components).decode() for p in planned],
        [outbound_id(broadcast_id, p.wa_id) for p in planned],
    )
    return row


async def get(
    conn: asyncpg.Connection,
    scope: uuid.UUID | None,
    broadcast_id: uuid.UUID,
    *,
    lock: bool = False,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT * FROM analytics.broadcasts WHERE {_IN_SCOPE} AND id = $2"
        + (" FOR UPDATE" if lock else ""),
        scope,
        broadcast_id,
    )


async def list_broadcasts(
    conn: asyncpg.Connection, scope: uuid.UUID | None, *, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    total = await conn.fetchval(
        f"SELECT count(*) FROM analytics.broadcasts WHERE {_IN_SCOPE}", scope
    )
    rows = await conn.fetch(
        f"SELECT * FROM analytics.broadcasts WHERE {_IN_SCOPE} "
        "ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
        scope,
        limit,
        offset,
    )
    return list(rows), int(total)


async def counts(conn: asyncpg.Connection, broadcast_id: uuid.UUID) -> dict[str, int]:
    rows = await conn.fetch(
        f"SELECT r.state, {_FLAGS}, count(*) AS n {_JOIN} WHERE r.broadcast_id = $1 "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
        broadcast_id,
    )
    return tally([(r["state"], dict(r), r["n"]) for r in rows])


async def recipients(
    conn: asyncpg.Connection, broadcast_id: uuid.UUID, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT r.position, r.wa_id, r.state, r.skip_reason, r.outbound_id, r.queued_at, "
        f"{_FLAGS}, d.wamid, d.accepted_at AS accepted, d.delivered_at AS delivered, "
        "d.read_at AS read, coalesce(d.status_error_code, d.send_error_code) AS error_code, "
        "coalesce(d.status_error_reason, d.send_error_reason) AS error_reason "
        f"{_JOIN} WHERE r.broadcast_id = $1 ORDER BY r.position LIMIT $2 OFFSET $3",
        broadcast_id,
        limit,
        offset,
    )
    return [{**dict(r), "outcome": outcome(r["state"], dict(r))} for r in rows]


async def set_status(
    conn: asyncpg.Connection, broadcast_id: uuid.UUID, status: str, reason: str | None
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        "UPDATE analytics.broadcasts SET status = $2, status_reason = $3, updated_at = now(), "
        "finished_at = CASE WHEN $2 IN ('cancelled', 'completed') THEN now() END "
        "WHERE id = $1 RETURNING *",
        broadcast_id,
        status,
        reason,
    )
    if status == "cancelled":
        await conn.execute(
            "UPDATE analytics.broadcast_recipients SET state = 'cancelled' "
            "WHERE broadcast_id = $1 AND state = 'pending'",
            broadcast_id,
        )
    return row


# -- the runner's side --------------------------------------------------------------------


async def running(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT b.id, b.organization_id, b.phone_number_id, b.waba_id, b.template_name, "
            "b.language, n.messages_per_second, t.status AS template_status "
            "FROM analytics.broadcasts b "
            "LEFT JOIN analytics.whatsapp_numbers n ON n.id = b.number_id "
            "LEFT JOIN analytics.message_templates t ON t.organization_id = b.organization_id "
            "AND t.waba_id = b.waba_id AND t.name = b.template_name AND t.language = b.language "
            "WHERE b.status = 'running' ORDER BY b.created_at"
        )
    )


async def take_pending(
    conn: asyncpg.Connection, broadcast_id: uuid.UUID, limit: int
) -> list[asyncpg.Record]:
    """The next pending recipients (locked for this transaction), with their opt-out."""
    return list(
        await conn.fetch(
            "SELECT r.position, r.wa_id, r.components, r.outbound_id, "
            "coalesce(o.opted_out, false) AS opted_out FROM analytics.broadcast_recipients r "
            "LEFT JOIN analytics.opt_outs o ON o.organization_id = r.organization_id "
            "AND o.contact = r.wa_id WHERE r.broadcast_id = $1 AND r.state = 'pending' "
            "ORDER BY r.position LIMIT $2 FOR UPDATE OF r",
            broadcast_id,
            limit,
        )
    )


async def mark(
    conn: asyncpg.Connection,
    broadcast_id: uuid.UUID,
    queued: list[int],
    skipped: list[int],
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE analytics.broadcast_recipients SET state = 'queued', queued_at = $3 "
        "WHERE broadcast_id = $1 AND position = ANY($2::int[])",
        broadcast_id,
        queued,
        now,
    )
    await conn.execute(
        "UPDATE analytics.broadcast_recipients SET state = 'skipped', "
        "skip_reason = 'opted out' WHERE broadcast_id = $1 AND position = ANY($2::int[])",
        broadcast_id,
        skipped,
    )
