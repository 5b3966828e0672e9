"""Agent actions as commands on conversation.commands.v1, keyed by the conversation key.

With an `Idempotency-Key` the envelope id is derived from it (and the organization, the
conversation and the action), so a retried request publishes the same command id and the
executor applies it once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pytake_shared.contracts import commands
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka.producer import Producer

SOURCE = "pytake-analytics"


class Commands:
    def __init__(self, producer: Producer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    async def publish(
        self,
        payload: commands.Command,
        *,
        key: str,
        organization_id: uuid.UUID,
        now: datetime,
        idempotency_key: str | None,
    ) -> Envelope:
        kind = commands.type_of(payload)
        seed = commands.id_seed(kind)  # a retry after the rename keeps its id
        data: dict[str, Any] = payload.model_dump(mode="json", exclude_none=True)
        data["at"] = int(now.timestamp())
        env = Envelope.new(
            kind,
            id=deterministic_id("analytics.command", organization_id, key, seed, idempotency_key)
            if idempotency_key
            else uuid.uuid4(),
            source=SOURCE,
            subject=key,
            time=now,
            organization_id=str(organization_id),
            data=data,
        )
        await self._producer.send(self._topic, env)
        return env
