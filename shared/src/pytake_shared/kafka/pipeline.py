"""Offsets for pipelined handlers: records finish out of order, commits stay safe.

A pipelined handler (the sender) starts each record and finishes it later, possibly after
records behind it (another contact's message is not held up by one waiting for a retry). The
tracker keeps, per partition, the records in offset order with the future that says when each
is finished, and gives the offset up to which every record is finished: only that is committed,
so a crash never skips a record that was still in progress.
"""

from __future__ import annotations

import asyncio
from collections import deque

from aiokafka import TopicPartition


class InflightTracker:
    def __init__(self) -> None:
        self._inflight: dict[TopicPartition, deque[tuple[int, asyncio.Future[bool]]]] = {}

    def add(self, tp: TopicPartition, offset: int, done: asyncio.Future[bool]) -> None:
        self._inflight.setdefault(tp, deque()).append((offset, done))

    def count(self, tp: TopicPartition) -> int:
        return len(self._inflight.get(tp, ()))

    def partitions(self) -> list[TopicPartition]:
        return list(self._inflight)

    def advance(self, tp: TopicPartition) -> tuple[int | None, list[bool], BaseException | None]:
        """Drop the finished head of `tp`; return the offset to commit (or None), the results of
        the records dropped (True = handled, False = parked or dropped by a revocation) and
        the exception of a record that failed (a bug): the head stops before it, so its offset
        is never committed."""
        queue = self._inflight.get(tp)
        commit: int | None = None
        results: list[bool] = []
        while queue and queue[0][1].done():
            offset, done = queue[0]
            if not done.cancelled() and done.exception() is not None:
                return commit, results, done.exception()
            queue.popleft()
            results.append(bool(done.result()) if not done.cancelled() else False)
            commit = offset + 1
        return commit, results, None

    async def wait(self, tps: set[TopicPartition], timeout_s: float) -> None:
        """Wait (bounded) for every in-flight record of `tps` to finish."""
        futures = [f for tp in tps for _, f in self._inflight.get(tp, ())]
        if futures:
            await asyncio.wait(futures, timeout=timeout_s)

    def forget(self, tps: set[TopicPartition]) -> None:
        for tp in tps:
            self._inflight.pop(tp, None)
