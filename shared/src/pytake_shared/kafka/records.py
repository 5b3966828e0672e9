"""What the consumer loop hands to a handler, and what a handler is.

A handler chooses how the loop feeds it with three flags, checked when the loop is built
(`check_modes`): record by record (the default); `batched`, every partition's records of a
poll as one batch (`handle_batch`, all or nothing); `batched` and `across_partitions`, the
whole poll as one batch with one commit; or `pipelined`, records started with `submit` and
finished in the handler's own time (see `pipeline.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
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


class RecordHandler:
    """Base for handlers: override `handle`; set `batched` and override `handle_batch` where
    a whole batch is cheaper (it must be all-or-nothing: on failure the loop replays the
    batch record by record through `handle`)."""

    batched = False
    # Batched handlers without per-partition state (e.g. the router) may take everything one
    # poll returned at once, partitions concatenated in order; the loop then commits every
    # partition in one call. Fewer, larger batches when many partitions carry a few records.
    across_partitions = False
    # Pipelined handlers start records with `submit` and finish them in their own time; the
    # loop commits only the offsets below the first unfinished record (see pipeline.py).
    pipelined = False

    async def handle(self, record: Record) -> None:
        raise NotImplementedError

    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        """Pipelined handlers: start `record`; the future is True once handled, False once
        parked through `park(record, reason)`. May wait (backpressure) before returning."""
        raise NotImplementedError

    async def handle_batch(self, records: Sequence[Record]) -> None:
        for record in records:
            await self.handle(record)

    async def on_assigned(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        """Called on assignment; return offsets to resume from (stored by the handler)."""
        return {}

    async def on_revoked(self, partitions: set[TopicPartition]) -> None:
        """Called after the batch in progress finished, before partitions move away."""


ParkFn = Callable[[Record, str], Awaitable[None]]


def check_modes(handler: RecordHandler) -> None:
    """Refuse the combinations the loop has no meaning for."""
    name = type(handler).__name__
    if handler.pipelined and handler.batched:
        raise ValueError(f"{name}: a pipelined handler is fed record by record, not batched")
    if handler.across_partitions and not handler.batched:
        raise ValueError(f"{name}: across_partitions needs batched (one batch for the poll)")


def decode(rec: ConsumerRecord) -> Record:
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
