"""The projection consumer on the real broker and PostgreSQL: scripted records in, rows out;
redelivery changes nothing; a rebuild from the topics gives exactly the live rows."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka import TopicPartition

from pytake_analytics.adapters.conversations import history
from pytake_analytics.projections import GROUP, ProjectionHandler, rebuild
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.kafka import ConsumerLoop, Producer
from pytake_shared.topics import Topics

from ..conftest import World
from ..scripted import Feeder, Item, Script, own_numbers, publish

Drain = Callable[[str], Awaitable[list[Any]]]
DUMPS = {
    "conversations": "id",
    "messages": "id",
    "node_visits": "conversation_id, flow_id, flow_version, node_id",
    "deliveries": "outbound_id",
    "projection_pending": "conversation_id, position",
    "projection_offsets": "topic, partition",
}


async def dump(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    out = {}
    async with pool.acquire() as conn:
        for table, order in DUMPS.items():
            rows = await conn.fetch(f"SELECT * FROM analytics.{table} ORDER BY {order}")
            out[table] = [dict(r) for r in rows]
        ids = await conn.fetch("SELECT id FROM analytics.projection_processed ORDER BY id")
        out["processed"] = [dict(r) for r in ids]
    return out


@contextlib.asynccontextmanager
async def live(
    settings: AnalyticsSettings, pool: asyncpg.Pool, producer: Producer, group: str = GROUP
) -> AsyncIterator[ProjectionHandler]:
    handler = ProjectionHandler(settings.topics, pool)
    loop = ConsumerLoop(
        settings,
        topics=handler.sources,
        group_id=settings.topics.group(group),
        handler=handler,
        producer=producer,
    )
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(30):
            await loop.assigned.wait()
        yield handler
    finally:
        loop.stop()
        await task


async def until(pool: asyncpg.Pool, sql: str, want: Any, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while True:
            got = await pool.fetchval(sql)
            if got == want:
                return
            await asyncio.sleep(0.1)


def scripted_run(world: World) -> tuple[list[Item], dict[str, Any]]:
    """Two contacts: one completes the flow (delivered, read), one is handed off, writes
    again, gets a failed send and is closed by the agent; a third only ever sends an inbound
    whose conversation_started is still to come."""
    done = Script(world.org_a, contact="5511000000001").start("hi")
    done.node("start", "start").node("ask", "question").tick(1.5)
    ask = done.send("Which pizza?", node_id="ask")
    done.wait("ask").tick(30)
    done.accepted(ask)
    done.status(ask, "sent")
    done.status(ask, "delivered")
    done.status(ask, "read")
    done.inbound("Margherita").capture("ask", "pizza", "Margherita").node("bye", "end")
    bye = done.send("One Margherita coming up", node_id="bye")
    done.accepted(bye)
    done.status(bye, "delivered")
    done.tick(10).close("completed")

    helped = Script(world.org_a, contact="5511000000002").start("help")
    helped.node("start", "start").node("human", "handoff").handoff("human")
    helped.tick(2)
    notice = helped.send("An agent will answer", node_id="human")
    helped.retrying(notice, 1)
    helped.retrying(notice, 2)
    helped.accepted(notice)
    helped.tick(60).inbound("hello?")
    agent = helped.send("Hi, I am Bob", author="agent")
    helped.send_failed(agent, 131026)
    helped.tick(5).close("closed_by_agent")

    waiting = Script(world.org_b, contact="5511000000003")
    waiting.conversation_id = "not-started-yet"
    waiting.inbound("anyone?")
    items = done.items + helped.items + waiting.items
    return items, {"done": done, "helped": helped, "asks": (ask, bye, notice, agent)}


async def test_scripted_records_on_the_topics_become_projection_rows(
    settings: AnalyticsSettings, pool: asyncpg.Pool, producer: Producer, world: World
) -> None:
    items, s = scripted_run(world)
    async with live(settings, pool, producer):
        await publish(pool, producer, settings.topics, items)
        await until(pool, "SELECT count(*) FROM analytics.messages", 8)
        await until(pool, "SELECT count(*) FROM analytics.deliveries WHERE wamid IS NOT NULL", 3)
        await until(pool, "SELECT count(*) FROM analytics.conversations WHERE status='closed'", 2)
    done, helped = s["done"], s["helped"]
    ask, bye, notice, agent = s["asks"]
    rows = {
        r["contact_id"]: dict(r) for r in await pool.fetch("SELECT * FROM analytics.conversations")
    }
    assert set(rows) == {"5511000000001", "5511000000002"}
    a = rows["5511000000001"]
    assert a["organization_id"] == world.org_a
    assert (a["status"], a["completed"], a["close_reason"]) == ("closed", True, "completed")
    assert (a["messages_in"], a["messages_out"], a["had_handoff"]) == (2, 2, False)
    assert a["first_response_ms"] == 1500
    assert a["current_node_id"] == "bye"
    assert orjson.loads(a["path"]) == ["start", "ask", "bye"]
    assert orjson.loads(a["variables"]) == {"greeting": "hello", "pizza": "Margherita"}
    assert a["key"] == done.key
    b = rows["5511000000002"]
    assert (b["status"], b["completed"], b["had_handoff"]) == ("closed", False, True)
    assert b["close_reason"] == "closed_by_agent"
    assert (b["messages_in"], b["messages_out"]) == (2, 2)
    assert b["organization_id"] == world.org_a

    messages = await pool.fetch(
        "SELECT direction, author, text FROM analytics.messages WHERE key = $1 ORDER BY position",
        helped.key,
    )
    assert [tuple(m) for m in messages] == [
        ("in", "contact", "help"),
        ("out", "bot", "An agent will answer"),
        ("in", "contact", "hello?"),
        ("out", "agent", "Hi, I am Bob"),
    ]
    d = {r["outbound_id"]: dict(r) for r in await pool.fetch("SELECT * FROM analytics.deliveries")}
    assert d[ask]["read_at"] is not None and d[ask]["delivered_at"] is not None
    assert d[ask]["wamid"] == f"wamid.out.{ask[:8]}"
    assert d[bye]["read_at"] is None and d[bye]["delivered_at"] is not None
    assert (d[notice]["retries"], d[notice]["accepted_at"] is not None) == (2, True)
    assert (d[agent]["send_error_code"], d[agent]["accepted_at"]) == (131026, None)
    assert all(r["organization_id"] == world.org_a for r in d.values())
    visits = await pool.fetch(
        "SELECT node_id, visits FROM analytics.node_visits WHERE conversation_id = $1 "
        "ORDER BY first_at, node_id",
        done.conversation_id,
    )
    assert sorted((v["node_id"], v["visits"]) for v in visits) == [
        ("ask", 1),
        ("bye", 1),
        ("start", 1),
    ]
    # The inbound of a conversation not started yet waits for it, with its tenant unknown.
    pending = await pool.fetch("SELECT conversation_id FROM analytics.projection_pending")
    assert [p["conversation_id"] for p in pending] == ["not-started-yet"]


async def test_redelivered_and_replayed_records_change_no_row(
    settings: AnalyticsSettings, pool: asyncpg.Pool, world: World
) -> None:
    items, _ = scripted_run(world)
    handler = ProjectionHandler(settings.topics, pool)
    feeder = Feeder(handler, settings.topics)
    await feeder.feed(items, batch=3)
    before = await dump(pool)
    # The same records again (a rebalance re-read them below the stored offsets) ...
    for record in feeder.records:
        await handler.handle_batch([record])
    assert await dump(pool) == {**before}
    # ... and the same envelopes republished at new offsets (an outbox flushed twice).
    await feeder.feed(items, batch=7)
    after = await dump(pool)
    assert {k: v for k, v in after.items() if k != "projection_offsets"} == {
        k: v for k, v in before.items() if k != "projection_offsets"
    }
    stored = await handler.on_assigned(
        {TopicPartition(t, p) for (t, p) in feeder.offsets}
        | {TopicPartition(settings.topics.events, 99)}
    )
    assert stored == {
        **{TopicPartition(t, p): n for (t, p), n in feeder.offsets.items()},
        TopicPartition(settings.topics.events, 99): 0,  # nothing stored: replay from the start
    }


async def test_out_of_order_topics_give_the_same_rows(
    settings: AnalyticsSettings, pool: asyncpg.Pool, world: World, topics: Topics
) -> None:
    items, _ = scripted_run(world)
    handler = ProjectionHandler(settings.topics, pool)
    # Deliveries and statuses first, the executor's events last.
    await Feeder(handler, topics).feed(
        [i for i in items if i[0] != "events"] + [i for i in items if i[0] == "events"]
    )
    reordered = await dump(pool)
    await empty(pool)
    await Feeder(handler, topics).feed(items, batch=1)
    assert await dump(pool) == reordered


async def empty(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "TRUNCATE analytics.conversations, analytics.messages, "
            "analytics.node_visits, analytics.deliveries, "
            "analytics.projection_pending, analytics.projection_processed, "
            "analytics.projection_offsets"
        )


async def test_polls_spanning_topics_and_partitions_give_the_rows_of_one_partition_at_a_time(
    settings: AnalyticsSettings, pool: asyncpg.Pool, world: World, topics: Topics
) -> None:
    """A poll is folded at once (one statement per kind for all its partitions): the same rows
    as partition by partition, and a poll re-reading partitions from before their stored
    offsets (a rebalance) skips exactly what each partition already applied."""
    items, _ = scripted_run(world)
    handler = ProjectionHandler(settings.topics, pool)
    await Feeder(handler, topics).feed(items, batch=1)
    one_at_a_time = await dump(pool)
    await empty(pool)
    await own_numbers(pool, items)
    feeder = Feeder(handler, topics)
    records = [feeder.record(role, env) for role, env in items]  # the order they were written
    assert len({r.topic for r in records}) == 3 and len(feeder.offsets) >= 6
    first = records[: len(records) // 2]
    for i in range(0, len(first), 7):
        await handler.handle_batch(first[i : i + 7])
    assert await dump(pool) != one_at_a_time  # half the story so far
    await handler.handle_batch(records)  # the first half again, below the stored offsets
    assert await dump(pool) == one_at_a_time
    await handler.handle_batch(records[::-1][:5] + records[:3])  # any partitions, any order
    assert await dump(pool) == one_at_a_time


@pytest.mark.usefixtures("restore_signals")
async def test_a_rebuild_from_the_topics_gives_the_same_rows_as_the_live_projection(
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    producer: Producer,
    world: World,
    drain: Drain,
) -> None:
    items, s = scripted_run(world)
    first, rest = items[:20], items[20:]
    async with live(settings, pool, producer):
        await publish(pool, producer, settings.topics, first)
        await until(
            pool,
            "SELECT count(*) FROM analytics.projection_processed",
            sum(1 for r, _ in first if r == "events"),
        )
        await drain(settings.topics.events)  # leaves an undecodable marker on every partition
        await publish(pool, producer, settings.topics, rest)
        await until(pool, "SELECT count(*) FROM analytics.messages", 8)
        await until(pool, "SELECT count(*) FROM analytics.conversations WHERE status='closed'", 2)
        await until(pool, "SELECT count(*) FROM analytics.deliveries WHERE wamid IS NOT NULL", 3)
        await asyncio.sleep(1)  # the last batches' offsets
    live_rows = await dump(pool)
    seen: list[tuple[int, int]] = []
    report = await rebuild(settings, lambda done, total: seen.append((done, total)))
    rebuilt = await dump(pool)
    assert report.undecodable >= 1 and seen and seen[-1][0] == report.records
    # Offsets may differ where the live consumer stopped before a trailing marker.
    for table in DUMPS:
        if table != "projection_offsets":
            assert rebuilt[table] == live_rows[table], table
    assert rebuilt["processed"] == live_rows["processed"]
    assert len(rebuilt["conversations"]) == 2

    # The live consumer resumes from the rebuilt offsets: one more event, applied once.
    done = s["done"]
    done.items.clear()
    done.tick(5).inbound("thanks!")
    async with live(settings, pool, producer, group="after-rebuild"):
        await publish(pool, producer, settings.topics, done.items)
        await until(pool, "SELECT count(*) FROM analytics.messages", 9)
        await asyncio.sleep(0.5)
    row = await pool.fetchrow(
        "SELECT messages_in FROM analytics.conversations WHERE id = $1", done.conversation_id
    )
    assert row["messages_in"] == 3


async def test_records_the_projection_cannot_use_are_skipped_not_retried(
    settings: AnalyticsSettings, pool: asyncpg.Pool, world: World
) -> None:
    good = Script(world.org_a, contact="5511000000009").start().node("start", "start")
    bad = Script(world.org_a, contact="5511000000008")
    bad.conversation_id = "c-bad"
    bad.org = "not-a-uuid"
    bad.start()
    bad.conversation_id = good.conversation_id
    bad.node("")  # no node id
    bad.broken("message_queued", message="not an object")  # no outbound id
    bad.broken("flow_switched", flow_id=["x"], flow_version=2**40, variables=None)
    bad._delivery("pytake.delivery.accepted", "o-1")  # an organization that is no UUID
    bad.key = good.key
    bad._event("variable_set", node_id="n", name="x", value="a\x00b")  # NUL: stored without it
    handler = ProjectionHandler(settings.topics, pool)
    await Feeder(handler, settings.topics).feed(good.items + bad.items, batch=100)
    row = await pool.fetchrow(
        "SELECT path, variables, current_flow_version FROM analytics.conversations WHERE id = $1",
        good.conversation_id,
    )
    assert orjson.loads(row["path"]) == ["start"]
    assert orjson.loads(row["variables"])["x"] == "ab"
    # A record that does not match its contract is skipped whole, never half applied.
    assert row["current_flow_version"] == good.version
    assert await pool.fetchval("SELECT count(*) FROM analytics.conversations") == 1
    assert await pool.fetchval("SELECT count(*) FROM analytics.deliveries") == 0


async def test_a_rebuild_while_the_live_consumer_runs_folds_each_record_once(
    settings: AnalyticsSettings, pool: asyncpg.Pool, producer: Producer, world: World
) -> None:
    items, _ = scripted_run(world)
    first, rest = items[:20], items[20:]
    async with live(settings, pool, producer):
        await publish(pool, producer, settings.topics, first)
        await until(
            pool,
            "SELECT count(*) FROM analytics.projection_processed",
            sum(1 for r, _ in first if r == "events"),
        )
        # The rest arrives while the rebuild runs: the live consumer waits for the rebuild's
        # lock, then skips what the rebuild folded and applies the remainder.
        running = asyncio.create_task(rebuild(settings))
        await publish(pool, producer, settings.topics, rest)
        await running
        await until(pool, "SELECT count(*) FROM analytics.messages", 8)
        await until(pool, "SELECT count(*) FROM analytics.conversations WHERE status='closed'", 2)
        await until(pool, "SELECT count(*) FROM analytics.deliveries WHERE wamid IS NOT NULL", 3)
        await asyncio.sleep(1)
    concurrent = await dump(pool)
    await rebuild(settings)  # quiet, from scratch
    quiet = await dump(pool)
    for table in DUMPS:
        if table != "projection_offsets":
            assert concurrent[table] == quiet[table], table
    assert concurrent["processed"] == quiet["processed"]
    row = await pool.fetchrow(
        "SELECT messages_in, messages_out FROM analytics.conversations WHERE key LIKE $1",
        "%:5511000000001",
    )
    assert (row["messages_in"], row["messages_out"]) == (2, 2)


async def test_a_status_naming_another_organizations_message_never_touches_its_row(
    settings: AnalyticsSettings, pool: asyncpg.Pool, world: World
) -> None:
    victim = Script(world.org_a, contact="5511000000020", number="100020").start("hi")
    sent = victim.send("your code is 1234")
    victim.accepted(sent)
    victim.status(sent, "sent")
    # Organization B signs a webhook for its own number carrying A's outbound id.
    intruder = Script(world.org_b, contact="5511000000021", number="200020")
    intruder.status(sent, "read")
    intruder.status(sent, "failed", code=131026)
    await Feeder(ProjectionHandler(settings.topics, pool), settings.topics).feed(
        intruder.items + victim.items
    )
    rows = {
        r["organization_id"]: r
        for r in await pool.fetch("SELECT * FROM analytics.deliveries WHERE outbound_id = $1", sent)
    }
    mine = rows[world.org_a]
    assert (mine["read_at"], mine["status_failed_at"]) == (None, None)
    assert mine["sent_at"] is not None and mine["key"] == victim.key
    assert rows[world.org_b]["key"] is None  # B's own row, about nothing of A's
    # A's history shows its message as sent, not read nor failed.
    async with pool.acquire() as conn:
        [out] = [m for m in await history(conn, world.org_a, victim.key, 10) if m["outbound_id"]]
    assert out["read_at"] is None and out["status_failed_at"] is None
