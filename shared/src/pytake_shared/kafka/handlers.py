"""The three kinds of handler, one per way the consumer loop feeds them (`strategies.py`).

A handler's class says how it is fed; there are no flags to combine:

- `RecordHandler`: one record at a time, in offset order per partition; each partition's
  offset committed after its records of the poll are handled.
- `BatchHandler`: everything one poll returned as one batch (partitions concatenated, each in
  offset order), all or nothing, one commit for the poll. For handlers without per-partition
  state in memory, where one transaction per batch is the saving (router, executor,
  analytics, the sender's confirmations). A batch that fails on its input is replayed as
  batches of one, so the poison record is found and parked in place.
- `PipelinedHandler`: records started with `submit` and finished in the handler's own time,
  out of order (the sender); only offsets below the first unfinished record are committed.

Any handler may name the record types it `wants`; the others are committed past undecoded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import TopicPartition

from pytake_shared.kafka.records import Record

ParkFn = Callable[[Record, str], Awaitable[None]]


class Handler:
    """What every handler may do on a rebalance, and which records it wants."""

    # The record types (the `type` header every envelope carries) the handler acts on; the
    # others are passed over without being decoded, as handled. None: every record.
    wants: frozenset[str] | None = None

    async def on_assigned(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        """Called on assignment; return offsets to resume from (stored by the handler)."""
        return {}

    async def on_revoked(self, partitions: set[TopicPartition]) -> None:
        """Called after the records in progress finished, before partitions move away."""


class RecordHandler(Handler):
    async def handle(self, record: Record) -> None:
        raise NotImplementedError


class BatchHandler(Handler):
    async def handle_batch(self, records: Sequence[Record]) -> None:
        """Apply `records` all or nothing: on failure nothing of the batch may remain."""
        raise NotImplementedError


class PipelinedHandler(Handler):
    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        """Start `record`; the future is True once handled, False once parked through
        `park(record, reason)`, an exception if a bug stopped it. May wait (backpressure)
        before returning."""
        raise NotImplementedError
