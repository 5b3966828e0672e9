"""Group commit: calls made while the previous batch is being written go out together.

Many concurrent tasks (the sender's lanes, say) each write one row and wait for it. Issued one
by one, every row costs a statement and a round trip; through a `Coalescer` the first call
starts a flush on the next turn of the event loop and every call made meanwhile joins it, or
the one after. Each caller still waits for its own row to be written and gets its own result
or the batch's exception. Nothing waits for a timer: a lone call costs one loop turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def rounds(items: Sequence[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """`items` split so that no round holds two of one `key` (one statement may not update a
    row twice); a key's items keep their order across rounds."""
    out: list[list[T]] = []
    seen: dict[Hashable, int] = {}
    for item in items:
        k = key(item)
        n = seen[k] = seen.get(k, -1) + 1
        if n == len(out):
            out.append([])
        out[n].append(item)
    return out


class Coalescer(Generic[T, R]):
    """`await coalescer(item)` → `flush([..., item, ...])`'s result for that item.

    `flush` gets the items in call order and returns one result per item. With `key`, a batch
    never holds two items of one key (a statement may not update one row twice): later ones
    go in a following flush, in their order.
    """

    def __init__(
        self,
        flush: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
        *,
        key: Callable[[T], Hashable] | None = None,
    ) -> None:
        self._flush = flush
        self._key = key
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        return await future

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        if self._key is None:
            batch, self._pending = self._pending, []
            return batch
        key = self._key
        first, *later = rounds(self._pending, lambda entry: key(entry[0]))
        self._pending = [entry for group in later for entry in group]
        return first

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._take()
                try:
                    results = await self._flush([item for item, _ in batch])
                except BaseException as exc:  # every caller gets the batch's failure
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._task = None
            for _, future in self._pending:  # cancelled while draining: nobody is left to write
                if not future.done():
                    future.cancel()
            self._pending = []


__all__ = ["Coalescer", "rounds"]
