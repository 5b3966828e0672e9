"""Sender benchmark: sustained sends per second against the Meta simulator (a separate process),
with and without injected faults, and the latency each message gains between its send command
landing on `wa.outbound.v1` and the Graph API call reaching the simulator."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid

import httpx

from pytake_sender.adapters.graph import GraphClient
from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.bootstrap import MIGRATIONS
from pytake_sender.domain.retry import RetryPolicy
from pytake_sender.handlers import Pacing, SenderHandler
from pytake_shared import contracts as c
from pytake_shared.config import ConfigView, NumberConfig, snapshot
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import ConsumerLoop, Producer
from pytake_shared.kafka.admin import ensure_topics
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    free_port,
    stop_process,
    with_database,
)
from pytake_shared.topics import Topics

Row = tuple[str, int, float, str]
NUMBER = "106540352242922"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _one(
    label: str, n: int, contacts: int, faults: dict[str, str], bootstrap: str, dsn: str
) -> Row:
    port = free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "pytake_tools.metasim"],
        env={
            **os.environ,
            "METASIM_PORT": str(port),
            "METASIM_STATUS_DELAYS_MS": "",
            "METASIM_TIMEOUT_SECONDS": "0.5",
            "METASIM_SEED": "1",
            **faults,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    topics = Topics(namespace=f"bs{uuid.uuid4().hex[:6]}", partitions=12)
    settings = ServiceSettings(
        kafka_bootstrap_servers=bootstrap, pytake_topic_namespace=topics.namespace
    )
    await ensure_topics(bootstrap, topics)
    pool = await create_pool(dsn, max_size=10)
    await pool.execute("DROP SCHEMA IF EXISTS sender CASCADE")
    await migrate_pool(pool, "sender", MIGRATIONS)
    box = SecretBox("bench")
    view = ConfigView(settings, box)
    env = snapshot(
        "number",
        NumberConfig(
            id="n",
            organization_id="o",
            phone_number_id=NUMBER,
            access_token="tok",
            messages_per_second=1000,
        ),
        source="bench",
        box=box,
    )
    view.apply(env.subject, env.to_bytes())
    producer = Producer(settings)
    await producer.start()
    graph = GraphClient(base, "v21.0", 0.3)
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                await client.get(base + "/_sim/healthz")
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        handler = SenderHandler(
            topics,
            view,
            OutboundLedger(pool),
            graph,
            producer,
            pacing=Pacing(mps=1000, pair_burst=1000),
            policy=RetryPolicy(base_s=0.05, cap_s=1.0, max_attempts=100),
        )
        loop = ConsumerLoop(
            settings,
            topics=[topics.wa_outbound],
            group_id="bench-sender",
            handler=handler,
            producer=producer,
        )
        task = asyncio.create_task(loop.run())
        await loop.assigned.wait()
        produced_at: dict[str, float] = {}
        started = time.perf_counter()
        for chunk in range(0, n, 500):
            batch = []
            for i in range(chunk, min(n, chunk + 500)):
                contact = f"55{i % contacts:09d}"
                cmd = c.SendMessage(
                    outbound_id=f"o{i}",
                    organization_id="o",
                    phone_number_id=NUMBER,
                    contact=c.Contact(id=contact, wa_id=contact),
                    message=c.OutboundMessage(kind="text", text=f"m{i}"),
                )
                batch.append(
                    (
                        topics.wa_outbound,
                        Envelope.new(
                            c.OUT_SEND,
                            id=deterministic_id("b", i),
                            source="bench",
                            subject=f"{NUMBER}:{contact}",
                            data=cmd.model_dump(mode="json"),
                        ),
                    )
                )
            await producer.send_many(batch)
            now = time.time()
            for i in range(chunk, min(n, chunk + 500)):
                produced_at[f"o{i}"] = now
        while True:
            calls = (await client.get(base + "/_sim/messages")).json()["messages"]
            accepted = [m for m in calls if m["status"] == 200]
            if len(accepted) >= n:
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        latencies = [
            m["time"] - produced_at[m["body"]["biz_opaque_callback_data"]] for m in accepted
        ]
    loop.stop()
    await task
    await handler.close()
    await graph.close()
    await producer.stop()
    await pool.close()
    stop_process(sim)
    detail = (
        f"{n / elapsed:,.0f} sends/s, {len(calls)} calls; latency p50 "
        f"{_percentile(latencies, 50) * 1000:.0f} ms, p99 "
        f"{_percentile(latencies, 99) * 1000:.0f} ms"
    )
    return (label, n, elapsed, detail)


async def bench_sender(n: int) -> list[Row]:
    broker = EmbeddedBroker().start()
    pg = EmbeddedPostgres().start()
    try:
        admin = await __import__("asyncpg").connect(pg.dsn)
        await admin.execute("CREATE DATABASE bench")
        await admin.close()
        dsn = with_database(pg.dsn, "bench")
        return [
            await _one("sender, no faults", n, 500, {}, broker.bootstrap, dsn),
            await _one(
                "sender, 30% 5xx/429/timeouts",
                n,
                500,
                {"METASIM_ERROR_RATE": "0.3"},
                broker.bootstrap,
                dsn,
            ),
        ]
    finally:
        pg.stop()
        broker.stop()
