"""Executor benchmarks: flow steps per second of the pure engine, and commands per second
through the executor handler with its PostgreSQL transaction and outbox (1, 100 and 10,000
concurrent conversations)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg

from bench.memory import rss_mib
from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store
from pytake_executor.bootstrap import MIGRATIONS
from pytake_executor.handlers import ExecutorHandler
from pytake_shared import contracts as c
from pytake_shared.config import ChatbotConfig, ConfigView, FlowConfig, NumberConfig, snapshot
from pytake_shared.db import migrate
from pytake_shared.engine.commands import HandleInbound
from pytake_shared.engine.engine import Flows, decide
from pytake_shared.engine.flow import load_flow
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer, Record
from pytake_shared.kafka.admin import ensure_topics
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.embedded import EmbeddedBroker, EmbeddedPostgres, with_database
from pytake_shared.topics import Topics

Row = tuple[str, int, float, str]
NUMBER = "106540352242922"
SURVEY: dict[str, Any] = {
    "canvas_data": {
        "nodes": [
            {"id": "s", "type": "start", "data": {}},
            {"id": "hi", "type": "message", "data": {"content": "Hello {{contact.name}}"}},
            {"id": "q1", "type": "question", "data": {"content": "Name?", "variableName": "name"}},
            {
                "id": "set",
                "type": "set_variable",
                "data": {
                    "variables": [
                        {"name": "greeting", "valueType": "expression", "value": "'Hi ' + {{name}}"}
                    ]
                },
            },
            {
                "id": "cond",
                "type": "condition",
                "data": {
                    "conditions": [{"variable": "name", "operator": "is_not_empty", "value": ""}]
                },
            },
            {
                "id": "q2",
                "type": "question",
                "data": {"content": "{{greeting}}, city?", "variableName": "city"},
            },
            {"id": "end", "type": "end", "data": {"content": "Thanks {{name}} from {{city}}"}},
        ],
        "edges": [
            {"source": "s", "target": "hi"},
            {"source": "hi", "target": "q1"},
            {"source": "q1", "target": "set"},
            {"source": "set", "target": "cond"},
            {"source": "cond", "target": "q2", "sourceHandle": "true"},
            {"source": "cond", "target": "end", "sourceHandle": "false"},
            {"source": "q2", "target": "end"},
        ],
    }
}


def _inbound(i: int, n: int, text: str) -> HandleInbound:
    return HandleInbound(
        f"c{i}-{n}",
        "org",
        "bot",
        NUMBER,
        {"id": str(i), "wa_id": str(i), "name": "Ada"},
        f"w{i}-{n}",
        "text",
        text,
        None,
        1_700_000_000 + n,
    )


def _command(topics: Topics, k: int, n_conv: int) -> Record:
    """The k-th command: a contact's next answer in the survey (made as it is needed, so the
    bench's own memory stays flat and the RSS growth is the handler's)."""
    i, n = k % n_conv, (k // n_conv) % 3
    cmd = c.HandleInbound(
        organization_id="org",
        chatbot_id="bot",
        phone_number_id=NUMBER,
        contact=c.Contact(id=str(i), wa_id=str(i), name="Ada"),
        message={"id": f"w{k}", "type": "text", "text": ("hi", "Ada", "Lisbon")[n]},
        received_at=1_700_000_000 + k,
    )
    env = Envelope.new(
        c.CMD_HANDLE_INBOUND,
        source="b",
        subject=f"{NUMBER}:{i}",
        data=cmd.model_dump(mode="json"),
    )
    return Record(topics.commands, 0, k, env.subject, env, 0)


def bench_engine(conversations: int) -> Row:
    flow = load_flow("f", 1, "Survey", SURVEY)
    flows = Flows(main_flow=lambda _: flow, by_version=lambda *_: flow)
    steps = 0
    started = time.perf_counter()
    for i in range(conversations):
        state = ConversationState(key=f"{NUMBER}:{i}")
        for n, text in enumerate(("hi", "Ada", "Lisbon")):
            events = decide(state, _inbound(i, n, text), flows)
            steps += sum(1 for e in events if e.type == "node_entered")
            for event in events:
                state = evolve(state, event)
    elapsed = time.perf_counter() - started
    return ("engine: node executions (pure)", steps, elapsed, f"{steps / elapsed:,.0f} steps/s")


async def bench_handler(runs: list[tuple[int, int]], total: int) -> list[Row]:
    """Commands through the handler for each (concurrent conversations, batch size): wall
    rate, and this process's CPU per command (the handler and its clients, not PostgreSQL nor
    the broker). Small batches are what the pipeline's consumer hands over between its 10 ms
    polls (2-4 commands at 200 msg/s), where round trips per batch dominate."""
    broker = EmbeddedBroker().start()
    pg = EmbeddedPostgres().start()
    rows: list[Row] = []
    try:
        for n_conv, batch in runs:
            topics = Topics(namespace=f"bx{uuid.uuid4().hex[:6]}", partitions=12)
            settings = ServiceSettings(
                kafka_bootstrap_servers=broker.bootstrap,
                pytake_topic_namespace=topics.namespace,
                kafka_linger_ms=5,  # the services' default
            )
            await ensure_topics(broker.bootstrap, topics)
            admin = await asyncpg.connect(pg.dsn)
            name = f"b{uuid.uuid4().hex[:8]}"
            await admin.execute(f"CREATE DATABASE {name}")
            await admin.close()
            pool = await asyncpg.create_pool(with_database(pg.dsn, name), min_size=1, max_size=4)
            async with pool.acquire() as conn:
                await migrate(conn, "executor", MIGRATIONS)
            box = SecretBox("b")
            view = ConfigView(settings, box)
            for kind, entity in (
                (
                    "number",
                    NumberConfig(
                        id="n",
                        organization_id="org",
                        phone_number_id=NUMBER,
                        default_chatbot_id="bot",
                    ),
                ),
                (
                    "chatbot",
                    ChatbotConfig(
                        id="bot",
                        organization_id="org",
                        name="B",
                        main_flow_id="f",
                        main_flow_version=1,
                    ),
                ),
                (
                    "flow",
                    FlowConfig(
                        id="f",
                        organization_id="org",
                        chatbot_id="bot",
                        name="Survey",
                        version=1,
                        document=SURVEY,
                    ),
                ),
            ):
                env = snapshot(kind, entity, source="b", box=box)
                view.apply(env.subject, env.to_bytes())
            producer = Producer(settings)
            await producer.start()
            handler = ExecutorHandler(topics, Store(pool), ConfigFlows(view), producer)
            elapsed = cpu = rss_at_tenth = 0.0
            for start in range(0, total, batch):  # batches as the consumer loop hands them over
                end = min(start + batch, total)
                commands = [_command(topics, k, n_conv) for k in range(start, end)]
                started, cpu_started = time.perf_counter(), time.process_time()
                await handler.handle_batch(commands)  # only the handling is timed
                elapsed += time.perf_counter() - started
                cpu += time.process_time() - cpu_started
                if not rss_at_tenth and end >= total // 10:
                    rss_at_tenth = rss_mib()
            rows.append(
                (
                    f"executor handler, {n_conv:,} conversations, batches of {batch}",
                    total,
                    elapsed,
                    f"{total / elapsed:,.0f} commands/s, {1e6 * cpu / total:,.0f} µs CPU each, "
                    f"RSS {rss_mib() - rss_at_tenth:+.0f} MiB after the first tenth",
                )
            )
            await producer.stop()
            await pool.close()
    finally:
        pg.stop()
        broker.stop()
    return rows


def run(total: int) -> list[Row]:
    return [
        bench_engine(max(1000, total // 3)),
        *asyncio.run(bench_handler([(1, 200), (100, 200), (10_000, 200)], min(total, 20_000))),
        *asyncio.run(bench_handler([(100, 2)], min(total, 2_000))),
    ]


def run_memory(total: int) -> list[Row]:
    """The handler's RSS over `total` commands across 100,000 conversations."""
    return [
        *asyncio.run(bench_handler([(100_000, 200)], total)),
    ]
