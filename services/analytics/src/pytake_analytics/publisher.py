"""Publishes management data to the compacted `pytake.config.v1`.

At start every entity is published again: the topic is compacted and consumers apply
snapshots idempotently, so this reconciles any write whose publish was lost.
"""

from __future__ import annotations

import logging

import asyncpg

from pytake_analytics.adapters.management import all_entities
from pytake_shared.config import snapshot
from pytake_shared.kafka.producer import Producer
from pytake_shared.secrets import SecretBox

log = logging.getLogger(__name__)


async def publish_all(pool: asyncpg.Pool, producer: Producer, topic: str, box: SecretBox) -> int:
    async with pool.acquire() as conn:
        entities = await all_entities(conn, box)
    await producer.send_many(
        (topic, snapshot(kind, entity, source="pytake-analytics", box=box))
        for kind, entity in entities
    )
    log.info("published %d config entities", len(entities))
    return len(entities)
