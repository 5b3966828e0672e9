"""Topic administration: create every registry topic (idempotent, with its retention and
compaction) and wait for the broker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError

from pytake_shared.topics import Topics

log = logging.getLogger(__name__)


async def wait_for_broker(bootstrap: str, timeout_s: float = 30.0) -> None:
    """Return once the broker answers metadata requests; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaConnectionError, KafkaError, OSError) as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(f"broker {bootstrap} not reachable: {exc!r}") from exc
            await asyncio.sleep(0.2)
        finally:
            await admin.close()


async def ensure_topics(bootstrap: str, topics: Topics, replication: int = 1) -> list[str]:
    """Create every topic of the registry (and its DLQ) that does not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = []
        for name, spec in topics.all():
            if name in existing:
                continue
            wanted.append(
                NewTopic(name, topics.partitions, replication, topic_configs=spec.configs())
            )
        for new in wanted:
            # Another process may have created it meanwhile.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([new])
        created = [t.name for t in wanted]
        if created:
            log.info("created topics: %s", ", ".join(created))
        return created
    finally:
        await admin.close()
