"""Helpers for the shared package's tests: a started producer and a reader of whole topics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from pytake_shared.kafka import Producer
from pytake_shared.settings import ServiceSettings

ReadTopic = Callable[..., Awaitable[list[Any]]]


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
