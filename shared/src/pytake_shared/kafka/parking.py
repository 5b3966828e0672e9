"""Parking poison records in `<topic>.dlq` with why, and refusing to drain a topic into it.

The original value, key and headers are kept, with `dlq.reason`, `dlq.topic`, `dlq.partition`,
`dlq.offset` and `dlq.group` added (what `pytake dlq` lists and redrives). The DLQ being
unwritable is waited out: a record is never committed before it is parked. More than
`dlq_max_consecutive` parked in a row raises `ConsumerHalted`: something is wrong beyond one
bad record, and an operator should look before the whole topic lands in its DLQ.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter

from pytake_shared.errors import ConsumerHalted, TransientError
from pytake_shared.kafka.producer import Producer
from pytake_shared.kafka.records import Record
from pytake_shared.topics import dlq

log = logging.getLogger(__name__)

PARKED = Counter("pytake_records_parked_total", "Records sent to a DLQ", ["topic", "group"])


class Parking:
    def __init__(self, producer: Producer, *, group: str, max_consecutive: int) -> None:
        self._producer = producer
        self._group = group
        self._max_consecutive = max_consecutive
        self._streak = 0

    def handled(self) -> None:
        """A record was handled: the streak of parked ones is broken."""
        self._streak = 0

    async def park(self, record: Record | ConsumerRecord, reason: str) -> None:
        value: bytes | None = record.value
        topic, partition, offset = record.topic, record.partition, record.offset
        key = record.key.encode() if isinstance(record.key, str) else record.key
        headers = [
            *(record.headers or ()),
            ("dlq.reason", reason.encode()[:2000]),
            ("dlq.topic", topic.encode()),
            ("dlq.partition", str(partition).encode()),
            ("dlq.offset", str(offset).encode()),
            ("dlq.group", self._group.encode()),
        ]
        while True:
            try:
                await self._producer.send_raw(dlq(topic), value, key=key, headers=headers)
                break
            except TransientError:
                log.warning("DLQ not writable yet; retrying")
                await asyncio.sleep(1.0)
        PARKED.labels(topic, self._group).inc()
        log.error("parked %s[%d]@%d in DLQ: %s", topic, partition, offset, reason)
        self._streak += 1
        if self._streak > self._max_consecutive:
            raise ConsumerHalted(
                f"{self._streak} records parked in a row on {topic}; stopping instead of "
                f"draining the topic into its DLQ (last reason: {reason})"
            )
