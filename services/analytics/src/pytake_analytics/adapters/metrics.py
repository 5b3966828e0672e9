"""Aggregates over the projections for the analytics endpoints (the math is domain/metrics)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from pytake_analytics.adapters.rows import loads
from pytake_analytics.domain.metrics import Stops, Totals

_TOTALS = (
    "count(*) AS conversations, count(*) FILTER (WHERE completed) AS completed, "
    "coalesce(sum(messages_in + messages_out), 0) AS messages, "
    "coalesce(sum(extract(epoch FROM coalesce(closed_at, last_activity_at) - started_at)), 0) "
    "AS duration_s, count(*) FILTER (WHERE had_handoff) AS handoffs, "
    "count(DISTINCT contact_id) AS contacts, count(first_response_ms) AS latency_count, "
    "coalesce(sum(first_response_ms), 0) AS latency_sum_ms, "
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_ms) AS latency_p50_ms, "
    "percentile_cont(0.95) WITHIN GROUP (ORDER BY first_response_ms) AS latency_p95_ms"
)
_WHERE = (
    "($1::uuid IS NULL OR organization_id = $1) AND ($2::timestamptz IS NULL OR started_at >= $2)"
)


def _totals(row: Any) -> Totals:
    return Totals(
        conversations=int(row["conversations"]),
        completed=int(row["completed"]),
        messages=int(row["messages"]),
        duration_s=float(row["duration_s"]),
        handoffs=int(row["handoffs"]),
        contacts=int(row["contacts"]),
        latency_count=int(row["latency_count"]),
        latency_sum_ms=float(row["latency_sum_ms"]),
        latency_p50_ms=None if row["latency_p50_ms"] is None else float(row["latency_p50_ms"]),
        latency_p95_ms=None if row["latency_p95_ms"] is None else float(row["latency_p95_ms"]),
    )


async def totals(
    conn: asyncpg.Connection,
    scope: uuid.UUID | None,
    since: datetime | None,
    flow_id: str | None = None,
) -> Totals:
    row = await conn.fetchrow(
        f"SELECT {_TOTALS} FROM analytics.conversations WHERE {_WHERE} "
        "AND ($3::text IS NULL OR flow_id = $3)",
        scope,
        since,
        flow_id,
    )
    return _totals(row)


async def totals_by_flow(
    conn: asyncpg.Connection, scope: uuid.UUID | None, since: datetime | None
) -> list[tuple[str | None, str | None, Totals]]:
    """Per flow the conversations started on: (flow id, its latest name, totals)."""
    rows = await conn.fetch(
        f"SELECT flow_id, max(flow_name) AS flow_name, {_TOTALS} FROM analytics.conversations "
        f"WHERE {_WHERE} GROUP BY flow_id ORDER BY count(*) DESC, flow_id",
        scope,
        since,
    )
    return [(r["flow_id"], r["flow_name"], _totals(r)) for r in rows]


async def flow_document(
    conn: asyncpg.Connection, scope: uuid.UUID | None, flow_id: uuid.UUID, version: int | None
) -> tuple[dict[str, Any], int | None] | None:
    """The flow (None when not in scope): its document at `version` (else the published one,
    else the draft) and the version that is."""
    flow = await conn.fetchrow(
        "SELECT document, published_version FROM analytics.flows "
        "WHERE ($1::uuid IS NULL OR organization_id = $1) AND id = $2",
        scope,
        flow_id,
    )
    if flow is None:
        return None
    chosen = version or flow["published_version"]
    if chosen is not None:
        doc = await conn.fetchval(
            "SELECT document FROM analytics.flow_versions WHERE flow_id = $1 AND version = $2",
            flow_id,
            chosen,
        )
        if doc is not None:
            return loads(doc), chosen
    return loads(flow["document"]), version


async def node_entries(
    conn: asyncpg.Connection, flow_id: str, version: int | None, since: datetime | None
) -> dict[str, tuple[int, int]]:
    rows = await conn.fetch(
        "SELECT v.node_id, count(*) AS conversations, sum(v.visits) AS visits "
        "FROM analytics.node_visits v JOIN analytics.conversations c ON c.id = v.conversation_id "
        "WHERE v.flow_id = $1 AND ($2::int IS NULL OR v.flow_version = $2) "
        "AND ($3::timestamptz IS NULL OR c.started_at >= $3) GROUP BY v.node_id",
        flow_id,
        version,
        since,
    )
    return {r["node_id"]: (int(r["conversations"]), int(r["visits"])) for r in rows}


async def node_stops(
    conn: asyncpg.Connection, flow_id: str, version: int | None, since: datetime | None
) -> dict[str, Stops]:
    rows = await conn.fetch(
        "SELECT current_node_id, count(*) AS total, "
        "count(*) FILTER (WHERE status <> 'closed') AS open, "
        "count(*) FILTER (WHERE status = 'closed' AND completed) AS completed, "
        "count(*) FILTER (WHERE status = 'closed' AND NOT completed) AS dropped "
        "FROM analytics.conversations WHERE current_flow_id = $1 AND current_node_id IS NOT NULL "
        "AND ($2::int IS NULL OR current_flow_version = $2) "
        "AND ($3::timestamptz IS NULL OR started_at >= $3) GROUP BY current_node_id",
        flow_id,
        version,
        since,
    )
    return {
        r["current_node_id"]: Stops(
            int(r["total"]), int(r["open"]), int(r["completed"]), int(r["dropped"])
        )
        for r in rows
    }


async def deliveries(
    conn: asyncpg.Connection, flow_id: str, version: int | None, since: datetime | None
) -> tuple[dict[str, int], dict[int | None, int]]:
    where = (
        "flow_id = $1 AND ($2::int IS NULL OR flow_version = $2) "
        "AND ($3::timestamptz IS NULL OR queued_at >= $3)"
    )
    failed = "send_failed_at IS NOT NULL OR status_failed_at IS NOT NULL"
    row = await conn.fetchrow(
        "SELECT count(*) AS queued, count(*) FILTER (WHERE accepted_at IS NOT NULL "
        "OR sent_at IS NOT NULL OR delivered_at IS NOT NULL OR read_at IS NOT NULL) AS accepted, "
        "count(*) FILTER (WHERE delivered_at IS NOT NULL OR read_at IS NOT NULL) AS delivered, "
        f"count(*) FILTER (WHERE read_at IS NOT NULL) AS read, count(*) FILTER (WHERE {failed}) "
        f"AS failed FROM analytics.deliveries WHERE {where}",
        flow_id,
        version,
        since,
    )
    codes = await conn.fetch(
        "SELECT coalesce(status_error_code, send_error_code) AS code, count(*) AS n "
        f"FROM analytics.deliveries WHERE {where} AND ({failed}) GROUP BY 1",
        flow_id,
        version,
        since,
    )
    return {k: int(v) for k, v in row.items()}, {r["code"]: int(r["n"]) for r in codes}
