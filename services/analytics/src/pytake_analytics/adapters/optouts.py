"""Opt-outs in PostgreSQL: the latest change per (organization, contact) wins, whatever order
the changes are folded in (a rebuild replays them again)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from pytake_analytics.domain.optouts import OptChange


async def merge(conn: Any, changes: Sequence[tuple[uuid.UUID, OptChange]]) -> None:
    if not changes:
        return
    await conn.executemany(
        "INSERT INTO analytics.opt_outs (organization_id, contact, opted_out, source, at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id, contact) DO UPDATE SET "
        "opted_out = EXCLUDED.opted_out, source = EXCLUDED.source, at = EXCLUDED.at "
        "WHERE opt_outs.at <= EXCLUDED.at",
        [(org, c.contact, c.opted_out, c.source, c.at) for org, c in changes],
    )


async def org_settings(conn: Any, orgs: set[str]) -> dict[str, dict[str, Any]]:
    if not orgs:
        return {}
    rows = await conn.fetch(
        "SELECT id, settings FROM analytics.organizations WHERE id = ANY($1::uuid[])",
        [uuid.UUID(o) for o in orgs],
    )
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        value = r["settings"]
        if isinstance(value, str):
            value = orjson.loads(value)
        out[str(r["id"])] = value if isinstance(value, dict) else {}
    return out
