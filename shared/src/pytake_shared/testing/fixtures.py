"""Pytest fixtures: one real broker and one real database per session, fresh names per test.

Where they come from, in order: `KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL` when set; else
testcontainers when a Docker engine answers; else the embedded Tansu and PostgreSQL. Each test
gets its own topic namespace (so its own topics and consumer groups) and its own database (so
its own schemas).
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pytake_shared.envelope import Envelope
from pytake_shared.kafka.admin import ensure_topics, wait_for_broker
from pytake_shared.kafka.producer import Producer
from pytake_shared.kafka.records import Record
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.embedded import EmbeddedBroker, EmbeddedPostgres, with_database
from pytake_shared.topics import Topics

S = TypeVar("S", bound=ServiceSettings)
TEST_PARTITIONS = 4
# Tests pass their own key: the services have none by default.
TEST_CONFIG_KEY = "test-config-key-" + uuid.uuid4().hex


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    elif docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
    else:
        broker = EmbeddedBroker().start()
        try:
            yield broker.bootstrap
        finally:
            broker.stop()


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
    elif docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as pg:
            yield pg.get_connection_url()
    else:
        server = EmbeddedPostgres().start()
        try:
            yield server.dsn
        finally:
            server.stop()


@pytest.fixture
async def database(postgres_dsn: str) -> AsyncIterator[str]:
    """The DSN of a database created for this test and dropped after it."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield with_database(postgres_dsn, name)
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def topics(kafka_bootstrap: str) -> Topics:
    """A fresh namespace with every registry topic created in it."""
    t = Topics(namespace=f"t{uuid.uuid4().hex[:10]}", partitions=TEST_PARTITIONS)
    await wait_for_broker(kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, t)
    return t


@pytest.fixture
def make_settings(kafka_bootstrap: str, database: str, topics: Topics) -> Callable[..., Any]:
    """Build any service's settings pointed at this test's broker, database and topics."""

    def build(cls: type[S] = ServiceSettings, **overrides: Any) -> S:  # type: ignore[assignment]
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": kafka_bootstrap,
            "database_url": database,
            "pytake_topic_namespace": topics.namespace,
            "pytake_topic_partitions": topics.partitions,
            "kafka_session_timeout_ms": 6000,
            "http_port": 0,
            "pytake_config_key": TEST_CONFIG_KEY,
        }
        values.update(overrides)
        return cls(**values)

    return build


@pytest.fixture
async def producer(make_settings: Callable[..., ServiceSettings]) -> AsyncIterator[Producer]:
    """A started producer on this test's broker and topics."""
    p = Producer(make_settings())
    await p.start()
    yield p
    await p.stop()


def record_of(env: Envelope, topic: str, *, offset: int = 0, partition: int = 0) -> Record:
    """`env` as the consumer loop hands it to a handler, read from `topic`."""
    return Record(
        topic=topic,
        partition=partition,
        offset=offset,
        key=env.subject,
        envelope=env,
        timestamp_ms=0,
        value=env.to_bytes(),
        headers=tuple(env.headers()),
    )


MARKER = b"__pytake_test_marker__"


@pytest.fixture
async def drain(kafka_bootstrap: str) -> AsyncIterator[Callable[[str], Awaitable[list[Any]]]]:
    """`await drain(topic)`: every record `topic` holds right now, by (partition, offset).

    A marker is written to each partition and read back, so what was acknowledged before the
    call is all there without waiting for silence (end offsets are not reliable on the dev
    broker: it reports the last batch's base offset + 1). Markers are skipped.
    """
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()

    async def read(topic: str) -> list[Any]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka_bootstrap, group_id=None, enable_auto_commit=False
        )
        await consumer.start()
        try:
            async with asyncio.timeout(15):
                partitions = consumer.partitions_for_topic(topic)
                while not partitions:
                    await consumer.topics()  # refreshes the metadata
                    partitions = consumer.partitions_for_topic(topic)
                marker = MARKER + uuid.uuid4().bytes
                stops: dict[TopicPartition, int] = {}
                for p in sorted(partitions):
                    meta = await producer.send_and_wait(topic, marker, partition=p)
                    stops[TopicPartition(topic, p)] = meta.offset
                consumer.assign(list(stops))
                await consumer.seek_to_beginning(*stops)
                out: list[Any] = []
                pending = set(stops)
                while pending:
                    for tp, recs in (await consumer.getmany(timeout_ms=200)).items():
                        for r in recs:
                            if r.offset >= stops[tp]:
                                pending.discard(tp)
                            elif not (r.value or b"").startswith(MARKER):
                                out.append(r)
            return sorted(out, key=lambda r: (r.partition, r.offset))
        finally:
            await consumer.stop()

    yield read
    await producer.stop()


@pytest.fixture
async def restore_signals() -> AsyncIterator[None]:
    """`Runtime.serve` installs SIGTERM/SIGINT handlers on the test loop: take them away."""
    yield
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)


async def wait_for_records(
    drain: Callable[[str], Awaitable[list[Any]]], topic: str, count: int, timeout: float = 20
) -> list[Any]:
    """Poll `drain(topic)` until it holds at least `count` records."""
    async with asyncio.timeout(timeout):
        while True:
            found = await drain(topic)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.2)
