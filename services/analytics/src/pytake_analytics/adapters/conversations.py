"""Queries on the conversation projection: lists, one contact's conversations, history.

Every query takes the caller's scope (`None` = every organization, super admin only).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import orjson

_IN_SCOPE = "($1::uuid IS NULL OR organization_id = $1)"
_JSON = ("contact", "variables", "path", "body")


def _row(record: asyncpg.Record) -> dict[str, Any]:
    return {
        k: orjson.loads(v) if k in _JSON and isinstance(v, str) else v for k, v in record.items()
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


PRIORITY_RANK = (
    "CASE handoff_priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 2 END"
)
_ORDERS = {
    "recent": "last_activity_at DESC, id",
    # The inbox of people waiting for a human: most urgent first, then longest waiting.
    "waiting": f"(status = 'handoff') DESC, {PRIORITY_RANK}, handoff_at ASC NULLS LAST, "
    "last_activity_at DESC, id",
}


async def list_conversations(
    conn: asyncpg.Connection,
    scope: uuid.UUID | None,
    *,
    status: str | None,
    chatbot_id: uuid.UUID | None,
    number: str | None,
    since: datetime | None,
    limit: int,
    offset: int,
    search: str | None = None,
    assigned_to: str | None = None,
    unassigned: bool = False,
    order: str = "recent",
) -> tuple[list[dict[str, Any]], int]:
    """`search` matches the phone or the contact's name (case-insensitive, anywhere in it)."""
    like = None if not search else f"%{_escape_like(search)}%"
    where = (
        f"{_IN_SCOPE} AND ($2::text IS NULL OR status = $2) "
        "AND ($3::text IS NULL OR chatbot_id = $3) AND ($4::text IS NULL OR phone_number_id = $4) "
        "AND ($5::timestamptz IS NULL OR last_activity_at >= $5) "
        "AND ($6::text IS NULL OR contact_id ILIKE $6 OR contact->>'name' ILIKE $6) "
        "AND ($7::text IS NULL OR assigned_to = $7) AND (NOT $8 OR assigned_to IS NULL)"
    )
    args = [
        scope,
        status,
        str(chatbot_id) if chatbot_id else None,
        number,
        since,
        like,
        assigned_to,
        unassigned,
    ]
    total = await conn.fetchval(
        f"SELECT count(*) FROM analytics.conversations WHERE {where}", *args
    )
    rows = await conn.fetch(
        f"SELECT * FROM analytics.conversations WHERE {where} "
        f"ORDER BY {_ORDERS[order]} LIMIT $9 OFFSET $10",
        *args,
        limit,
        offset,
    )
    return [_row(r) for r in rows], int(total)


async def latest_per_number(
    conn: asyncpg.Connection, scope: uuid.UUID | None, contact_id: str, number: str | None
) -> list[dict[str, Any]]:
    """The contact's latest conversation on each number (of the scope), by number."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (phone_number_id) * FROM analytics.conversations "
        f"WHERE {_IN_SCOPE} AND contact_id = $2 AND ($3::text IS NULL OR phone_number_id = $3) "
        "ORDER BY phone_number_id, started_at DESC, id DESC",
        scope,
        contact_id,
        number,
    )
    return [_row(r) for r in rows]


async def ids_on_key(conn: asyncpg.Connection, scope: uuid.UUID | None, key: str) -> set[str]:
    """The ids of the scope's conversations on a key (a number and a contact)."""
    rows = await conn.fetch(
        f"SELECT id FROM analytics.conversations WHERE {_IN_SCOPE} AND key = $2", scope, key
    )
    return {r["id"] for r in rows}


async def last_inbound(
    conn: asyncpg.Connection, organization_id: uuid.UUID, key: str
) -> datetime | None:
    """When the contact last wrote on this number (any of its conversations)."""
    value: datetime | None = await conn.fetchval(
        "SELECT max(last_inbound_at) FROM analytics.conversations "
        "WHERE organization_id = $1 AND key = $2",
        organization_id,
        key,
    )
    return value


async def history(
    conn: asyncpg.Connection, organization_id: uuid.UUID, key: str, limit: int
) -> list[dict[str, Any]]:
    """The last `limit` messages with this contact on this number, oldest first, each with
    what became of it (the delivery row of an outbound message)."""
    rows = await conn.fetch(
        "SELECT m.id, m.conversation_id, m.direction, m.author, m.kind, m.text, m.body, "
        "m.node_id, m.flow_id, m.outbound_id, coalesce(m.message_id, d.wamid) AS message_id, "
        "m.at, m.position, d.accepted_at, d.retries, d.send_failed_at, d.send_error_code, "
        "d.send_error_reason, d.sent_at, d.delivered_at, d.read_at, d.status_failed_at, "
        "d.status_error_code, d.status_error_reason, d.indefinite_at, d.cancelled_at "
        "FROM analytics.messages m "
        "LEFT JOIN analytics.deliveries d "
        "ON d.organization_id = m.organization_id AND d.outbound_id = m.outbound_id "
        "WHERE m.organization_id = $1 AND m.key = $2 ORDER BY m.position DESC LIMIT $3",
        organization_id,
        key,
        limit,
    )
    return [_row(r) for r in reversed(rows)]
