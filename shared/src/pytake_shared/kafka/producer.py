"""The one producer wrapper: acks=all, envelopes in, headers set, acknowledgements awaited.

Idempotence is a setting, off by default, because the embedded dev broker cannot initialise an
idempotent producer; correctness never depends on it (every consumer drops repeats by id).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import Counter

from pytake_shared.envelope import Envelope
from pytake_shared.errors import TransientError
from pytake_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

PRODUCED = Counter("pytake_records_produced_total", "Records acknowledged by the broker", ["topic"])


class Producer:
    def __init__(self, settings: ServiceSettings, *, client_id: str | None = None) -> None:
        self._settings = settings
        self._client_id = client_id or settings.service_name
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=self._settings.kafka_enable_idempotence,
            linger_ms=self._settings.kafka_linger_ms,
            request_timeout_ms=self._settings.kafka_request_timeout_ms,
            max_request_size=4 * 1024 * 1024,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    @property
    def raw(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("producer not started")
        return self._producer

    async def send(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        await self.send_many([(topic, envelope)] if key is None else [(topic, envelope, key)])

    async def send_many(self, items: Iterable[tuple[Any, ...]]) -> None:
        """Send `(topic, envelope[, key])` items and return once the broker acknowledged all.

        The key defaults to the envelope's subject. Raises `TransientError` when any send
        failed: the caller must not acknowledge its own input then.
        """
        futures = []
        topics = []
        try:
            for item in items:
                topic, env = item[0], item[1]
                key = item[2] if len(item) > 2 else env.subject
                futures.append(
                    await self.raw.send(
                        topic,
                        env.to_bytes(),
                        key=key.encode() if key else None,
                        headers=env.headers(),
                    )
                )
                topics.append(topic)
            await asyncio.gather(*futures)
        except KafkaError as exc:
            raise TransientError(f"broker did not acknowledge: {exc!r}") from exc
        for topic in topics:
            PRODUCED.labels(topic).inc()

    async def send_raw(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None:
        """Send bytes as they are (DLQ parking keeps the original value untouched)."""
        try:
            fut = await self.raw.send(topic, value, key=key, headers=headers)
            await fut
        except KafkaError as exc:
            raise TransientError(f"broker did not acknowledge: {exc!r}") from exc
        PRODUCED.labels(topic).inc()
