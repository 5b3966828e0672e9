"""The media table: rows projected from wa.media.v1, uploads, lookups scoped by organization,
and what the retention job deletes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from pytake_shared.contracts import media

COLUMNS = (
    "id, organization_id, source, status, kind, phone_number_id, message_id, meta_media_id, "
    "storage_key, mime_type, size, sha256, caption, filename, voice, reason, error_code, "
    "created_at"
)


async def project(conn: Any, outcomes: Sequence[tuple[media.Media, datetime]]) -> None:
    """Upsert each outcome (a later record for the same media replaces the earlier one)."""
    rows = []
    for outcome, at in outcomes:
        stored = isinstance(outcome, media.Stored)
        rows.append(
            (
                uuid.UUID(outcome.media_id),
                uuid.UUID(outcome.organization_id),
                "inbound",
                "stored" if stored else "failed",
                outcome.kind,
                outcome.phone_number_id,
                outcome.message_id,
                outcome.meta_media_id,
                outcome.storage_key if isinstance(outcome, media.Stored) else None,
                outcome.mime_type if isinstance(outcome, media.Stored) else None,
                outcome.size if isinstance(outcome, media.Stored) else None,
                outcome.sha256 if isinstance(outcome, media.Stored) else None,
                outcome.caption,
                outcome.filename,
                outcome.voice,
                outcome.reason if isinstance(outcome, media.Failed) else None,
                outcome.code if isinstance(outcome, media.Failed) else None,
                at,
            )
        )
    await conn.executemany(
        f"INSERT INTO analytics.media ({COLUMNS}) VALUES "
        "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
        "storage_key = excluded.storage_key, mime_type = excluded.mime_type, "
        "size = excluded.size, sha256 = excluded.sha256, reason = excluded.reason, "
        "error_code = excluded.error_code",
        rows,
    )


async def add_upload(
    conn: Any,
    *,
    media_id: uuid.UUID,
    organization_id: uuid.UUID,
    kind: str,
    storage_key: str,
    mime_type: str,
    size: int,
    sha256: str,
    filename: str | None,
    at: datetime,
) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"INSERT INTO analytics.media ({COLUMNS}) VALUES "
        "($1,$2,'upload','stored',$3,NULL,NULL,NULL,$4,$5,$6,$7,NULL,$8,false,NULL,NULL,$9) "
        f"RETURNING {COLUMNS}",
        media_id,
        organization_id,
        kind,
        storage_key,
        mime_type,
        size,
        sha256,
        filename,
        at,
    )
    return dict(row)


async def get(conn: Any, scope: uuid.UUID | None, media_id: uuid.UUID) -> dict[str, Any] | None:
    """The media, if it belongs to `scope` (None: any organization)."""
    row = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM analytics.media WHERE id = $1 "
        "AND ($2::uuid IS NULL OR organization_id = $2)",
        media_id,
        scope,
    )
    return dict(row) if row else None


async def for_messages(
    conn: Any, organization_id: uuid.UUID, message_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The media of these inbound messages, by wamid."""
    if not message_ids:
        return {}
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM analytics.media "
        "WHERE organization_id = $1 AND message_id = ANY($2::text[])",
        organization_id,
        list(message_ids),
    )
    return {r["message_id"]: dict(r) for r in rows}


async def delete(conn: Any, scope: uuid.UUID | None, media_id: uuid.UUID) -> None:
    await conn.execute(
        "DELETE FROM analytics.media WHERE id = $1 AND ($2::uuid IS NULL OR organization_id = $2)",
        media_id,
        scope,
    )


async def expired(pool: asyncpg.Pool, before: datetime, limit: int) -> list[tuple[uuid.UUID, str]]:
    """Up to `limit` media created before `before`: (id, storage key or "")."""
    rows = await pool.fetch(
        "SELECT id, coalesce(storage_key, '') AS storage_key FROM analytics.media "
        "WHERE created_at < $1 ORDER BY created_at LIMIT $2",
        before,
        limit,
    )
    return [(r["id"], r["storage_key"]) for r in rows]


async def forget(pool: asyncpg.Pool, ids: Sequence[uuid.UUID]) -> None:
    await pool.execute("DELETE FROM analytics.media WHERE id = ANY($1::uuid[])", list(ids))
