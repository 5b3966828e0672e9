"""What the consumer loop hands to a handler: a decoded record and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from pytake_shared.envelope import Envelope


@dataclass(frozen=True)
class Record:
    """A decoded record: the envelope and where it came from."""

    topic: str
    partition: int
    offset: int
    key: str | None
    envelope: Envelope
    timestamp_ms: int
    value: bytes = b""
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


def decode(rec: ConsumerRecord) -> Record:
    """The record as handlers see it; raises `EnvelopeError` if its value is no envelope."""
    return Record(
        topic=rec.topic,
        partition=rec.partition,
        offset=rec.offset,
        key=rec.key.decode("utf-8", "replace") if rec.key is not None else None,
        envelope=Envelope.from_bytes(rec.value),
        timestamp_ms=rec.timestamp,
        value=rec.value,
        headers=tuple(rec.headers or ()),
    )
