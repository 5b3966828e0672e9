"""Flows: the draft document being edited and its published, immutable versions.

Callers lock the flow's chatbot first (`chatbots.lock_chatbot`): a flow's main/active/published
state is part of its chatbot's snapshot.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from pytake_analytics.adapters.rows import as_dict, dumps, loads, page, set_clause

_IN_SCOPE = "($1::uuid IS NULL OR organization_id = $1)"


async def list_flows(
    conn: asyncpg.Connection,
    scope: uuid.UUID | None,
    chatbot_id: uuid.UUID | None,
    *,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await page(
        conn,
        "flows",
        f"{_IN_SCOPE} AND ($2::uuid IS NULL OR chatbot_id = $2)",
        [scope, chatbot_id],
        limit=limit,
        offset=offset,
    )
    return [as_dict(r) or {} for r in rows], total


async def get_flow(
    conn: asyncpg.Connection, scope: uuid.UUID | None, flow_id: uuid.UUID
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT * FROM analytics.flows WHERE {_IN_SCOPE} AND id = $2", scope, flow_id
    )
    return as_dict(row)


async def _only_main(conn: asyncpg.Connection, chatbot_id: uuid.UUID, keep: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE analytics.flows SET is_main = false, updated_at = now() "
        "WHERE chatbot_id = $1 AND is_main AND id <> $2",
        chatbot_id,
        keep,
    )


async def create_flow(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    chatbot_id: uuid.UUID,
    fields: dict[str, Any],
) -> dict[str, Any]:
    flow_id = uuid.uuid4()
    if fields["is_main"]:
        await _only_main(conn, chatbot_id, flow_id)
    row = await conn.fetchrow(
        "INSERT INTO analytics.flows (id, organization_id, chatbot_id, name, description, "
        "is_main, is_fallback, is_active, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "RETURNING *",
        flow_id,
        org_id,
        chatbot_id,
        fields["name"],
        fields["description"],
        fields["is_main"],
        fields["is_fallback"],
        fields["is_active"],
        dumps(fields["document"]),
    )
    return as_dict(row) or {}


async def update_flow(
    conn: asyncpg.Connection, flow: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    if fields.get("is_main"):
        await _only_main(conn, flow["chatbot_id"], flow["id"])
    sets, args = set_clause(fields, 2)
    row = await conn.fetchrow(
        f"UPDATE analytics.flows SET {sets} WHERE id = $1 RETURNING *", flow["id"], *args
    )
    return as_dict(row) or {}


async def delete_flow(conn: asyncpg.Connection, flow_id: uuid.UUID) -> list[int]:
    """Delete a flow and its versions; the versions removed (their records get tombstones)."""
    versions = await conn.fetch(
        "DELETE FROM analytics.flow_versions WHERE flow_id = $1 RETURNING version", flow_id
    )
    await conn.execute("DELETE FROM analytics.flows WHERE id = $1", flow_id)
    return sorted(r["version"] for r in versions)


async def publish_flow(
    conn: asyncpg.Connection, flow: dict[str, Any], by: uuid.UUID | None = None
) -> tuple[int, Any]:
    """Freeze the draft as version n+1 and make it the published one: (n+1, published_at)."""
    version = await conn.fetchval(
        "SELECT coalesce(max(version), 0) + 1 FROM analytics.flow_versions WHERE flow_id = $1",
        flow["id"],
    )
    published_at = await conn.fetchval(
        "INSERT INTO analytics.flow_versions "
        "(flow_id, version, organization_id, document, published_by) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING published_at",
        flow["id"],
        version,
        flow["organization_id"],
        dumps(flow["document"]),
        by,
    )
    await conn.execute(
        "UPDATE analytics.flows SET published_version = $2, updated_at = now() WHERE id = $1",
        flow["id"],
        version,
    )
    return int(version), published_at


async def chatbot_context(
    conn: asyncpg.Connection, chatbot_id: uuid.UUID
) -> tuple[set[str], set[str]]:
    """What a flow of this chatbot may refer to: its sibling flows (jump targets) and the
    chatbot's global variables (set outside the flow)."""
    rows = await conn.fetch("SELECT id FROM analytics.flows WHERE chatbot_id = $1", chatbot_id)
    globals_ = loads(
        await conn.fetchval(
            "SELECT global_variables FROM analytics.chatbots WHERE id = $1", chatbot_id
        )
    )
    return {str(r["id"]) for r in rows}, set(globals_ if isinstance(globals_, dict) else ())


async def list_versions(
    conn: asyncpg.Connection, scope: uuid.UUID | None, flow_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The flow's published versions, newest first, with who published each (their email
    while the account exists)."""
    rows = await conn.fetch(
        "SELECT v.version, v.published_at, u.email AS published_by "
        "FROM analytics.flow_versions v LEFT JOIN analytics.users u ON u.id = v.published_by "
        "WHERE v.flow_id = $2 AND ($1::uuid IS NULL OR v.organization_id = $1) "
        "ORDER BY v.version DESC",
        scope,
        flow_id,
    )
    return [dict(r) for r in rows]


async def get_version(
    conn: asyncpg.Connection, scope: uuid.UUID | None, flow_id: uuid.UUID, version: int
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT * FROM analytics.flow_versions WHERE {_IN_SCOPE} AND flow_id = $2 "
        "AND version = $3",
        scope,
        flow_id,
        version,
    )
    return as_dict(row)


async def published_siblings(
    conn: asyncpg.Connection, chatbot_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The chatbot's flows at their published version (what a `jump` to another flow runs):
    id, name and document."""
    rows = await conn.fetch(
        "SELECT f.id, f.name, v.version, v.document FROM analytics.flows f "
        "JOIN analytics.flow_versions v ON v.flow_id = f.id AND v.version = f.published_version "
        "WHERE f.chatbot_id = $1",
        chatbot_id,
    )
    return [as_dict(r) or {} for r in rows]


async def organization_language(conn: asyncpg.Connection, org_id: uuid.UUID) -> str | None:
    settings = loads(
        await conn.fetchval("SELECT settings FROM analytics.organizations WHERE id = $1", org_id)
    )
    language = settings.get("language") if isinstance(settings, dict) else None
    return language if isinstance(language, str) else None


async def organization_versions(
    conn: asyncpg.Connection, org_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Every published version of the organization's flows, with its flow's chatbot and
    whether it is the published one of a main, active flow."""
    rows = await conn.fetch(
        "SELECT f.id, f.name, f.chatbot_id, f.is_main, f.is_active, f.published_version, "
        "v.version, v.document FROM analytics.flows f "
        "JOIN analytics.flow_versions v ON v.flow_id = f.id WHERE f.organization_id = $1",
        org_id,
    )
    return [as_dict(r) or {} for r in rows]
