"""Organizations. `scope` is the caller's organization (None for a super admin): a tenant
only ever sees its own row."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from pytake_analytics.adapters.rows import as_dict, dumps, page, set_clause
from pytake_analytics.domain.errors import Conflict

_IN_SCOPE = "($1::uuid IS NULL OR id = $1)"


async def list_orgs(
    conn: asyncpg.Connection, scope: uuid.UUID | None, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await page(conn, "organizations", _IN_SCOPE, [scope], limit=limit, offset=offset)
    return [as_dict(r) or {} for r in rows], total


async def get_org(
    conn: asyncpg.Connection, scope: uuid.UUID | None, org_id: uuid.UUID
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT * FROM analytics.organizations WHERE {_IN_SCOPE} AND id = $2", scope, org_id
    )
    return as_dict(row)


async def create_org(
    conn: asyncpg.Connection, *, name: str, is_active: bool, settings: dict[str, Any]
) -> dict[str, Any]:
    row = await conn.fetchrow(
        "INSERT INTO analytics.organizations (id, name, is_active, settings) "
        "VALUES ($1, $2, $3, $4) RETURNING *",
        uuid.uuid4(),
        name,
        is_active,
        dumps(settings),
    )
    return as_dict(row) or {}


async def update_org(
    conn: asyncpg.Connection, scope: uuid.UUID | None, org_id: uuid.UUID, fields: dict[str, Any]
) -> dict[str, Any] | None:
    sets, args = set_clause(fields, 3)
    row = await conn.fetchrow(
        f"UPDATE analytics.organizations SET {sets} WHERE {_IN_SCOPE} AND id = $2 RETURNING *",
        scope,
        org_id,
        *args,
    )
    return as_dict(row)


async def delete_org(conn: asyncpg.Connection, org_id: uuid.UUID) -> bool:
    """Delete an empty organization; one that still has users, numbers or chatbots is a
    conflict (delete those first: nothing disappears by surprise)."""
    exists = await conn.fetchval(
        "SELECT 1 FROM analytics.organizations WHERE id = $1 FOR UPDATE", org_id
    )
    if not exists:
        return False
    in_use = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM analytics.users WHERE organization_id = $1) "
        "OR EXISTS (SELECT 1 FROM analytics.whatsapp_numbers WHERE organization_id = $1) "
        "OR EXISTS (SELECT 1 FROM analytics.chatbots WHERE organization_id = $1)",
        org_id,
    )
    if in_use:
        raise Conflict(
            "the organization still has users, numbers or chatbots", code="organization_not_empty"
        )
    await conn.execute("DELETE FROM analytics.organizations WHERE id = $1", org_id)
    return True


async def org_exists(conn: asyncpg.Connection, org_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM analytics.organizations WHERE id = $1", org_id))
