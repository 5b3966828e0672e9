"""WhatsApp business numbers. Secrets (`access_token`, `app_secret`) are stored sealed and are
never returned: rows come back with `has_access_token` / `has_app_secret` instead."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from pytake_analytics.adapters.rows import as_dict, page, set_clause
from pytake_analytics.domain.errors import Conflict
from pytake_shared.secrets import SecretBox

_IN_SCOPE = "($1::uuid IS NULL OR organization_id = $1)"
SECRETS = ("access_token", "app_secret")


def public(row: asyncpg.Record | None) -> dict[str, Any] | None:
    out = as_dict(row, drop=SECRETS)
    if out is not None and row is not None:
        out["has_access_token"] = row["access_token"] is not None
        out["has_app_secret"] = row["app_secret"] is not None
    return out


def _conflict(exc: asyncpg.UniqueViolationError) -> Conflict:
    if "webhook_token" in (exc.constraint_name or ""):
        return Conflict("another number uses this webhook_token", code="webhook_token_taken")
    return Conflict("another number uses this phone_number_id", code="phone_number_id_taken")


async def list_numbers(
    conn: asyncpg.Connection, scope: uuid.UUID | None, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await page(
        conn, "whatsapp_numbers", _IN_SCOPE, [scope], limit=limit, offset=offset
    )
    return [public(r) or {} for r in rows], total


async def get_number(
    conn: asyncpg.Connection, scope: uuid.UUID | None, number_id: uuid.UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT * FROM analytics.whatsapp_numbers WHERE {_IN_SCOPE} AND id = $2"
        + (" FOR UPDATE" if lock else ""),
        scope,
        number_id,
    )


async def create_number(conn: asyncpg.Connection, fields: dict[str, Any]) -> asyncpg.Record:
    """Insert a number; `fields` holds columns only (secrets already sealed)."""
    columns = ["id", *fields]
    values = [uuid.uuid4(), *fields.values()]
    marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    try:
        row: asyncpg.Record = await conn.fetchrow(
            f"INSERT INTO analytics.whatsapp_numbers ({', '.join(columns)}) "
            f"VALUES ({marks}) RETURNING *",
            *values,
        )
    except asyncpg.UniqueViolationError as exc:
        raise _conflict(exc) from exc
    return row


async def update_number(
    conn: asyncpg.Connection, number_id: uuid.UUID, fields: dict[str, Any]
) -> asyncpg.Record:
    sets, args = set_clause(fields, 2)
    try:
        row: asyncpg.Record = await conn.fetchrow(
            f"UPDATE analytics.whatsapp_numbers SET {sets} WHERE id = $1 RETURNING *",
            number_id,
            *args,
        )
    except asyncpg.UniqueViolationError as exc:
        raise _conflict(exc) from exc
    return row


async def delete_number(conn: asyncpg.Connection, number_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM analytics.whatsapp_numbers WHERE id = $1", number_id)


async def numbers_in_org(
    conn: asyncpg.Connection, org_id: uuid.UUID, number_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await conn.fetch(
        "SELECT id FROM analytics.whatsapp_numbers WHERE organization_id = $1 "
        "AND id = ANY($2::uuid[])",
        org_id,
        number_ids,
    )
    return {r["id"] for r in rows}


async def assign_chatbot(
    conn: asyncpg.Connection, chatbot_id: uuid.UUID, number_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Make `chatbot_id` the default of exactly `number_ids`; the numbers whose row changed."""
    released = await conn.fetch(
        "UPDATE analytics.whatsapp_numbers SET default_chatbot_id = NULL, updated_at = now() "
        "WHERE default_chatbot_id = $1 AND NOT (id = ANY($2::uuid[])) RETURNING id",
        chatbot_id,
        number_ids,
    )
    taken = await conn.fetch(
        "UPDATE analytics.whatsapp_numbers SET default_chatbot_id = $1, updated_at = now() "
        "WHERE id = ANY($2::uuid[]) AND default_chatbot_id IS DISTINCT FROM $1 RETURNING id",
        chatbot_id,
        number_ids,
    )
    return [r["id"] for r in [*released, *taken]]


async def reseal_secrets(conn: asyncpg.Connection, box: SecretBox) -> int:
    """Seal every stored token and app secret under the current `PYTAKE_CONFIG_KEY` (after a
    rotation); the number of numbers changed. Once it ran, the old key can be retired."""
    changed = 0
    rows = await conn.fetch("SELECT id, access_token, app_secret FROM analytics.whatsapp_numbers")
    for row in rows:
        token, secret = box.reseal(row["access_token"]), box.reseal(row["app_secret"])
        if token is None and secret is None:
            continue
        await conn.execute(
            "UPDATE analytics.whatsapp_numbers SET access_token = COALESCE($2, access_token), "
            "app_secret = COALESCE($3, app_secret) WHERE id = $1",
            row["id"],
            token,
            secret,
        )
        changed += 1
    return changed
