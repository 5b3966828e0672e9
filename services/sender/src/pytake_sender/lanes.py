"""One lane per contact: a FIFO worked by one task, so a contact's messages go out in order
while other contacts' lanes run freely.

A message waiting for a retry holds its own lane only. A lane's task ends when its queue is
empty, so idle contacts cost nothing. Records of partitions taken away by a rebalance are
dropped from the lanes (their new owner sends them; the ledger stops a second call for what
Meta already accepted).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import TopicPartition

from pytake_shared.kafka import Record

log = logging.getLogger(__name__)

Work = Callable[[Record], Awaitable[bool]]


@dataclass
class _Item:
    record: Record
    done: asyncio.Future[bool]


@dataclass
class _Lane:
    items: deque[_Item] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


class Lanes:
    def __init__(self, work: Work, max_queued: int = 20_000) -> None:
        self._work = work
        self._lanes: dict[str, _Lane] = {}
        self._queued = 0
        self._max_queued = max_queued
        self._room = asyncio.Condition()
        self._dropped: set[TopicPartition] = set()

    @property
    def queued(self) -> int:
        return self._queued

    async def submit(self, record: Record) -> asyncio.Future[bool]:
        async with self._room:
            await self._room.wait_for(lambda: self._queued < self._max_queued)
        self._dropped.discard(record.tp)
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        key = record.key or record.envelope.subject
        lane = self._lanes.setdefault(key, _Lane())
        lane.items.append(_Item(record, done))
        self._queued += 1
        if lane.task is None:
            lane.task = asyncio.create_task(self._run(key, lane), name=f"lane-{key}")
        return done

    def drop(self, partitions: set[TopicPartition]) -> None:
        """Forget queued records of `partitions` (they were revoked)."""
        self._dropped |= partitions

    async def close(self) -> None:
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, key: str, lane: _Lane) -> None:
        try:
            while lane.items:
                item = lane.items[0]
                if item.record.tp in self._dropped:
                    item.done.cancel()
                else:
                    try:
                        item.done.set_result(await self._work(item.record))
                    except Exception as exc:  # the work parks on its own; this is a bug
                        log.exception("lane %s failed on %s", key, item.record.envelope.id)
                        item.done.set_exception(exc)
                lane.items.popleft()
                self._queued -= 1
                async with self._room:
                    self._room.notify_all()
        finally:
            lane.task = None
            if not lane.items:
                self._lanes.pop(key, None)
