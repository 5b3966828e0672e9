"""Helpers for the shared package's tests: a started producer and readers of whole topics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from pytake_shared.kafka import Producer
from pytake_shared.settings import ServiceSettings

ReadTopic = Callable[..., Awaitable[list[Any]]]
TopicSize = Callable[[str], Awaitable[int]]


@pytest.fixture
async def started_producer(
    make_settings: Callable[..., ServiceSettings],
) -> AsyncIterator[Producer]:
    producer = Producer(make_settings())
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
def read_topic(kafka_bootstrap: str) -> ReadTopic:
    """`await read_topic(topic, expect)`: every record of `topic` once `expect` are there."""

    async def read(topic: str, expect: int, timeout: float = 15) -> list[Any]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        out: list[Any] = []
        try:
            async with asyncio.timeout(timeout):
                while len(out) < expect:
                    for recs in (await consumer.getmany(timeout_ms=200)).values():
                        out.extend(recs)
        finally:
            await consumer.stop()
        return out

    return read


@pytest.fixture
def topic_size(kafka_bootstrap: str) -> TopicSize:
    """`await topic_size(topic)`: how many records `topic` holds (sum of its end offsets)."""

    async def size(topic: str) -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=None)
        await consumer.start()
        try:
            partitions = consumer.partitions_for_topic(topic)
            async with asyncio.timeout(10):
                while not partitions:
                    await consumer._client.force_metadata_update()
                    partitions = consumer.partitions_for_topic(topic)
            ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
            return sum(ends.values())
        finally:
            await consumer.stop()

    return size
