"""Message templates in PostgreSQL: synchronised from Meta, changed by its webhooks, listed.

Every change stages the template's snapshot on the config outbox in the same transaction
(the sender checks template sends against it); a template gone from Meta's list is deleted
and tombstoned. A sync and a webhook are ordered by `status_changed_at`: a webhook older than
the last sync (the projection catching up) does not undo it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from pytake_analytics.adapters.management import template_entity
from pytake_analytics.adapters.outbox import Outbox
from pytake_analytics.adapters.template_source import TemplateSource, TemplateSourceRefused
from pytake_analytics.domain.templates import NotATemplate, TemplateChange, TemplateRow, from_graph
from pytake_shared.config import entity_key, template_id
from pytake_shared.errors import TransientError

log = logging.getLogger(__name__)

_COLUMNS = (
    "organization_id, waba_id, name, language, meta_id, status, category, parameter_format, "
    "components, requirements, reason, synced_at, status_changed_at"
)


@dataclass
class SyncReport:
    synced: int = 0
    removed: int = 0
    wabas: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def sources(conn: asyncpg.Connection, org: uuid.UUID | None) -> list[asyncpg.Record]:
    """One number (with a token) per (organization, WABA): whose token reads the list."""
    return list(
        await conn.fetch(
            "SELECT DISTINCT ON (organization_id, waba_id) organization_id, waba_id, "
            "access_token FROM analytics.whatsapp_numbers WHERE waba_id IS NOT NULL "
            "AND access_token IS NOT NULL AND is_active "
            "AND ($1::uuid IS NULL OR organization_id = $1) "
            "ORDER BY organization_id, waba_id, created_at",
            org,
        )
    )


async def _stage(conn: asyncpg.Connection, outbox: Outbox, rows: list[asyncpg.Record]) -> None:
    for row in rows:
        await outbox.stage(conn, "template", template_entity(row))


async def store_sync(
    conn: asyncpg.Connection,
    outbox: Outbox,
    org: uuid.UUID,
    waba_id: str,
    templates: list[TemplateRow],
    now: datetime,
) -> tuple[int, int]:
    """Make the stored templates of (org, WABA) what Meta listed; (stored, removed)."""
    stored = await conn.fetch(
        "INSERT INTO analytics.message_templates (" + _COLUMNS + ") SELECT $1, $2, t.name, "
        "t.language, t.meta_id, t.status, t.category, t.parameter_format, t.components, "
        "t.requirements, NULL, $11, $11 FROM unnest($3::text[], $4::text[], $5::text[], "
        "$6::text[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[]) AS t(name, language, "
        "meta_id, status, category, parameter_format, components, requirements) "
        "ON CONFLICT (organization_id, waba_id, name, language) DO "
        "UPDATE SET meta_id = EXCLUDED.meta_id, category = EXCLUDED.category, "
        "parameter_format = EXCLUDED.parameter_format, components = EXCLUDED.components, "
        "requirements = EXCLUDED.requirements, synced_at = EXCLUDED.synced_at, "
        "status = CASE WHEN message_templates.status_changed_at > EXCLUDED.synced_at "
        "THEN message_templates.status ELSE EXCLUDED.status END, "
        "status_changed_at = GREATEST(message_templates.status_changed_at, EXCLUDED.synced_at) "
        "RETURNING *",
        org,
        waba_id,
        [t.name for t in templates],
        [t.language for t in templates],
        [t.meta_id for t in templates],
        [t.status for t in templates],
        [t.category for t in templates],
        [t.parameter_format for t in templates],
        [orjson.dumps(t.components).decode() for t in templates],
        [orjson.dumps(t.requirements).decode() for t in templates],
        now,
    )
    gone = await conn.fetch(
        "DELETE FROM analytics.message_templates WHERE organization_id = $1 AND waba_id = $2 "
        "AND synced_at < $3 RETURNING name, language",
        org,
        waba_id,
        now,
    )
    await _stage(conn, outbox, list(stored))
    for row in gone:
        key = entity_key("template", template_id(str(org), waba_id, row["name"], row["language"]))
        await outbox.tombstone(conn, key)
    return len(stored), len(gone)


async def sync(
    pool: asyncpg.Pool,
    outbox: Outbox,
    source: TemplateSource,
    open_secret: Any,
    now: datetime,
    org: uuid.UUID | None = None,
) -> SyncReport:
    """Read every WABA of `org` (all organizations when None) and store what Meta lists."""
    report = SyncReport()
    async with pool.acquire() as conn:
        wabas = await sources(conn, org)
    for row in wabas:
        owner, waba_id = row["organization_id"], row["waba_id"]
        try:
            listed = await source.fetch(waba_id, open_secret(row["access_token"]))
        except (TransientError, TemplateSourceRefused) as exc:
            report.errors.append(f"WABA {waba_id}: {exc}")
            log.warning("templates of WABA %s not synchronised: %s", waba_id, exc)
            continue
        templates: list[TemplateRow] = []
        for item in listed:
            try:
                templates.append(from_graph(item))
            except NotATemplate as exc:
                log.warning("WABA %s listed something that is not a template: %s", waba_id, exc)
        async with pool.acquire() as conn, conn.transaction():
            stored, removed = await store_sync(conn, outbox, owner, waba_id, templates, now)
        report.synced += stored
        report.removed += removed
        report.wabas.append(waba_id)
    await outbox.flush_quietly()
    return report


async def apply_changes(
    conn: asyncpg.Connection, outbox: Outbox | None, changes: list[TemplateChange]
) -> int:
    """Apply Meta's webhooks to every organization's copy of the template; rows changed."""
    changed = 0
    for ch in changes:
        rows = await conn.fetch(
            "UPDATE analytics.message_templates SET "
            "status = COALESCE($5, status), category = COALESCE($6, category), "
            "reason = CASE WHEN $5::text IS NULL THEN reason ELSE $7 END, "
            "status_changed_at = GREATEST(status_changed_at, $4) "
            "WHERE waba_id = $1 AND (meta_id = $2 OR (name = $3 AND language = $8)) "
            "AND status_changed_at <= $4 RETURNING *",
            ch.waba_id,
            ch.meta_id,
            ch.name,
            ch.at,
            ch.status,
            ch.category,
            ch.reason,
            ch.language,
        )
        if outbox is not None:
            await _stage(conn, outbox, list(rows))
        changed += len(rows)
    return changed


async def list_templates(
    conn: asyncpg.Connection,
    scope: uuid.UUID | None,
    *,
    name: str | None,
    status: str | None,
    language: str | None,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    where = (
        "($1::uuid IS NULL OR organization_id = $1) AND ($2::text IS NULL OR name = $2) "
        "AND ($3::text IS NULL OR status = upper($3)) AND ($4::text IS NULL OR language = $4)"
    )
    args = [scope, name, status, language]
    total = await conn.fetchval(
        f"SELECT count(*) FROM analytics.message_templates WHERE {where}", *args
    )
    rows = await conn.fetch(
        f"SELECT * FROM analytics.message_templates WHERE {where} "
        "ORDER BY name, language LIMIT $5 OFFSET $6",
        *args,
        limit,
        offset,
    )
    return list(rows), int(total)


async def get_template(
    conn: asyncpg.Connection, org: uuid.UUID, waba_id: str, name: str, language: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM analytics.message_templates WHERE organization_id = $1 AND waba_id = $2 "
        "AND name = $3 AND language = $4",
        org,
        waba_id,
        name,
        language,
    )
