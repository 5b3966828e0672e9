"""Users: accounts, their role and organization; the password hash never leaves here except
for the login check."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from pytake_analytics.adapters.rows import as_dict, page, set_clause
from pytake_analytics.domain.errors import Conflict

_IN_SCOPE = "($1::uuid IS NULL OR organization_id = $1)"
_HIDDEN = ("password_hash",)
# A user may act while the account is active and, for a tenant role, its organization too
# (suspending an organization does not lock out the super admins).
_ACTIVE = (
    "SELECT u.id, u.email, u.role, u.organization_id, u.password_hash FROM analytics.users u "
    "LEFT JOIN analytics.organizations o ON o.id = u.organization_id "
    "WHERE u.is_active AND (u.role = 'super_admin' OR o.is_active) AND "
)


async def active_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_ACTIVE + "u.email = $1", email)


async def active_by_id(conn: asyncpg.Connection, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_ACTIVE + "u.id = $1", user_id)


async def list_users(
    conn: asyncpg.Connection,
    scope: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    *,
    roles: list[str] | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await page(
        conn,
        "users",
        f"{_IN_SCOPE} AND ($2::uuid IS NULL OR organization_id = $2) "
        "AND ($3::text[] IS NULL OR role::text = ANY($3::text[]))",
        [scope, organization_id, roles],
        limit=limit,
        offset=offset,
    )
    return [as_dict(r, drop=_HIDDEN) or {} for r in rows], total


async def get_user(
    conn: asyncpg.Connection, scope: uuid.UUID | None, user_id: uuid.UUID
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT * FROM analytics.users WHERE {_IN_SCOPE} AND id = $2", scope, user_id
    )
    return as_dict(row, drop=_HIDDEN)


async def create_user(
    conn: asyncpg.Connection,
    *,
    email: str,
    password_hash: str,
    full_name: str,
    role: str,
    organization_id: uuid.UUID | None,
    is_active: bool,
) -> dict[str, Any]:
    try:
        row = await conn.fetchrow(
            "INSERT INTO analytics.users (id, email, password_hash, full_name, role, "
            "organization_id, is_active) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
            uuid.uuid4(),
            email,
            password_hash,
            full_name,
            role,
            organization_id,
            is_active,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("a user with this email exists", code="email_taken") from exc
    return as_dict(row, drop=_HIDDEN) or {}


async def update_user(
    conn: asyncpg.Connection, scope: uuid.UUID | None, user_id: uuid.UUID, fields: dict[str, Any]
) -> dict[str, Any] | None:
    sets, args = set_clause(fields, 3)
    try:
        row = await conn.fetchrow(
            f"UPDATE analytics.users SET {sets} WHERE {_IN_SCOPE} AND id = $2 RETURNING *",
            scope,
            user_id,
            *args,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("a user with this email exists", code="email_taken") from exc
    return as_dict(row, drop=_HIDDEN)


async def delete_user(
    conn: asyncpg.Connection, scope: uuid.UUID | None, user_id: uuid.UUID
) -> bool:
    deleted = await conn.fetchval(
        f"DELETE FROM analytics.users WHERE {_IN_SCOPE} AND id = $2 RETURNING id", scope, user_id
    )
    return deleted is not None
