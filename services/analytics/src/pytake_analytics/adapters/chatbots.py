"""Chatbots, with what the API shows alongside: the numbers that default to each and its
current main flow (the active, published flow marked main)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from pytake_analytics.adapters.rows import as_dict, dumps, set_clause
from pytake_analytics.domain.errors import Conflict

_IN_SCOPE = "($1::uuid IS NULL OR c.organization_id = $1)"
_SELECT = (
    "SELECT c.*, f.id AS main_flow_id, f.published_version AS main_flow_version, "
    "ARRAY(SELECT n.id FROM analytics.whatsapp_numbers n WHERE n.default_chatbot_id = c.id "
    "ORDER BY n.created_at, n.id) AS whatsapp_number_ids "
    "FROM analytics.chatbots c LEFT JOIN analytics.flows f ON f.chatbot_id = c.id "
    "AND f.is_main AND f.is_active AND f.published_version IS NOT NULL "
)
FALLBACK_TAKEN = Conflict("the organization already has a fallback chatbot", code="fallback_exists")


async def list_chatbots(
    conn: asyncpg.Connection, scope: uuid.UUID | None, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    total = await conn.fetchval(
        f"SELECT count(*) FROM analytics.chatbots c WHERE {_IN_SCOPE}", scope
    )
    rows = await conn.fetch(
        f"{_SELECT} WHERE {_IN_SCOPE} ORDER BY c.created_at, c.id LIMIT $2 OFFSET $3",
        scope,
        limit,
        offset,
    )
    return [as_dict(r) or {} for r in rows], int(total)


async def get_chatbot(
    conn: asyncpg.Connection, scope: uuid.UUID | None, chatbot_id: uuid.UUID
) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"{_SELECT} WHERE {_IN_SCOPE} AND c.id = $2", scope, chatbot_id)
    return as_dict(row)


async def lock_chatbot(
    conn: asyncpg.Connection, scope: uuid.UUID | None, chatbot_id: uuid.UUID
) -> uuid.UUID | None:
    """Lock a chatbot row (every write that changes its snapshot takes this lock first, so
    snapshots of one chatbot are staged in commit order); its organization, or None."""
    org: uuid.UUID | None = await conn.fetchval(
        f"SELECT c.organization_id FROM analytics.chatbots c WHERE {_IN_SCOPE} AND c.id = $2 "
        "FOR UPDATE",
        scope,
        chatbot_id,
    )
    return org


async def create_chatbot(
    conn: asyncpg.Connection, org_id: uuid.UUID, fields: dict[str, Any]
) -> uuid.UUID:
    chatbot_id = uuid.uuid4()
    try:
        await conn.execute(
            "INSERT INTO analytics.chatbots (id, organization_id, name, description, is_active, "
            "is_fallback, global_variables, settings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            chatbot_id,
            org_id,
            fields["name"],
            fields["description"],
            fields["is_active"],
            fields["is_fallback"],
            dumps(fields["global_variables"]),
            dumps(fields["settings"]),
        )
    except asyncpg.UniqueViolationError as exc:
        raise FALLBACK_TAKEN from exc
    return chatbot_id


async def update_chatbot(
    conn: asyncpg.Connection, chatbot_id: uuid.UUID, fields: dict[str, Any]
) -> None:
    sets, args = set_clause(fields, 2)
    try:
        await conn.execute(f"UPDATE analytics.chatbots SET {sets} WHERE id = $1", chatbot_id, *args)
    except asyncpg.UniqueViolationError as exc:
        raise FALLBACK_TAKEN from exc


async def delete_chatbot(
    conn: asyncpg.Connection, chatbot_id: uuid.UUID
) -> tuple[list[tuple[uuid.UUID, int]], list[uuid.UUID]]:
    """Delete a chatbot with its flows; the flow versions removed and the numbers that lost
    their default chatbot (both must be published again)."""
    released = await conn.fetch(
        "UPDATE analytics.whatsapp_numbers SET default_chatbot_id = NULL, updated_at = now() "
        "WHERE default_chatbot_id = $1 RETURNING id",
        chatbot_id,
    )
    versions = await conn.fetch(
        "DELETE FROM analytics.flow_versions WHERE flow_id IN "
        "(SELECT id FROM analytics.flows WHERE chatbot_id = $1) RETURNING flow_id, version",
        chatbot_id,
    )
    await conn.execute("DELETE FROM analytics.flows WHERE chatbot_id = $1", chatbot_id)
    await conn.execute("DELETE FROM analytics.chatbots WHERE id = $1", chatbot_id)
    return [(r["flow_id"], r["version"]) for r in versions], [r["id"] for r in released]
