"""The projection adapters write a batch in a few statements: what one statement merges gives
what the same updates give applied one at a time (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from pytake_analytics.adapters import projections as db
from pytake_analytics.domain.deliveries import DeliveryUpdate
from pytake_analytics.domain.projection import Visit

from ..conftest import World


async def test_updates_of_one_row_in_one_batch_merge_as_they_would_one_by_one(
    pool: asyncpg.Pool, world: World
) -> None:
    """The adapters write a batch in a few statements (a row may be updated once per
    statement): updates of one delivery row, and visits of one node, in one batch give what
    they give applied one at a time."""
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def updates(outbound_id: str) -> list[DeliveryUpdate]:
        org = world.org_a
        return [
            DeliveryUpdate(outbound_id, org, accepted_at=at, wamid="wamid.first"),
            DeliveryUpdate(outbound_id, org, retries=2, wamid="wamid.second"),
            DeliveryUpdate(outbound_id, org, sent_at=at + timedelta(seconds=2)),
            DeliveryUpdate(outbound_id, org, sent_at=at + timedelta(seconds=1)),
            DeliveryUpdate(
                outbound_id,
                org,
                status_failed_at=at + timedelta(seconds=9),
                status_error_code=131049,
                status_error_reason="later",
            ),
            DeliveryUpdate(
                outbound_id,
                org,
                status_failed_at=at + timedelta(seconds=5),
                status_error_code=131026,
                status_error_reason="earlier",
            ),
            DeliveryUpdate(outbound_id, org, retries=1, read_at=at + timedelta(seconds=3)),
        ]

    def visits(conversation_id: str) -> list[Visit]:
        return [
            Visit(
                conversation_id=conversation_id,
                organization_id=world.org_a,
                flow_id="flow-1",
                flow_version=1,
                node_id=node,
                at=at + timedelta(seconds=s),
            )
            for node, s in (("ask", 5), ("ask", 1), ("end", 2), ("ask", 3))
        ]

    async with pool.acquire() as conn, conn.transaction():
        await db.merge_deliveries(conn, updates("o-batch") + updates("o-other"))
        for update in updates("o-one-by-one"):
            await db.merge_deliveries(conn, [update])
        await db.add_visits(conn, visits("c-batch"))
        for visit in visits("c-one-by-one"):
            await db.add_visits(conn, [visit])
    rows = {
        r["outbound_id"]: dict(r, outbound_id=None)
        for r in await pool.fetch("SELECT * FROM analytics.deliveries")
    }
    assert rows["o-batch"] == rows["o-one-by-one"] == rows["o-other"]
    row = rows["o-batch"]
    assert (row["wamid"], row["retries"], row["sent_at"]) == (
        "wamid.first",
        2,
        at + timedelta(seconds=1),
    )
    assert (row["status_error_code"], row["status_error_reason"]) == (131026, "earlier")
    counted = {
        (r["conversation_id"], r["node_id"]): (r["visits"], r["first_at"])
        for r in await pool.fetch("SELECT * FROM analytics.node_visits")
    }
    for conversation in ("c-batch", "c-one-by-one"):
        assert counted[conversation, "ask"] == (3, at + timedelta(seconds=1))
        assert counted[conversation, "end"] == (1, at + timedelta(seconds=2))
