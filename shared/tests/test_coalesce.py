"""Group commit: concurrent calls share a flush, each gets its own result or the failure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from pytake_shared.coalesce import Coalescer


class Writer:
    def __init__(self, fail_first: bool = False) -> None:
        self.batches: list[list[tuple[str, int]]] = []
        self.fail_first = fail_first

    async def flush(self, items: Sequence[tuple[str, int]]) -> list[str]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a statement's round trip
        if self.fail_first:
            self.fail_first = False
            raise ConnectionResetError("database away")
        return [f"{key}={n}" for key, n in items]


async def test_calls_made_together_share_one_flush_and_get_their_own_result() -> None:
    writer = Writer()
    write = Coalescer(writer.flush)
    results = await asyncio.gather(*(write((f"k{n}", n)) for n in range(5)))
    assert results == [f"k{n}={n}" for n in range(5)]
    assert len(writer.batches) == 1


async def test_calls_made_during_a_flush_go_out_together_in_the_next() -> None:
    writer = Writer()
    write = Coalescer(writer.flush)
    first = asyncio.ensure_future(write(("a", 1)))
    await asyncio.sleep(0.005)  # the first flush is in progress
    later = await asyncio.gather(write(("b", 2)), write(("c", 3)))
    assert (await first, later) == ("a=1", ["b=2", "c=3"])
    assert writer.batches == [[("a", 1)], [("b", 2), ("c", 3)]]
    assert await write(("d", 4)) == "d=4"  # a lone call later still flushes


async def test_a_key_appears_once_per_flush_and_its_calls_keep_their_order() -> None:
    writer = Writer()
    write = Coalescer(writer.flush, key=lambda item: item[0])
    await asyncio.gather(write(("a", 1)), write(("b", 1)), write(("a", 2)), write(("a", 3)))
    assert writer.batches == [[("a", 1), ("b", 1)], [("a", 2)], [("a", 3)]]


async def test_a_failed_flush_fails_each_of_its_callers_and_the_next_one_runs() -> None:
    writer = Writer(fail_first=True)
    write = Coalescer(writer.flush)
    outcomes = await asyncio.gather(write(("a", 1)), write(("b", 2)), return_exceptions=True)
    assert all(isinstance(o, ConnectionResetError) for o in outcomes)
    assert await write(("c", 3)) == "c=3"


async def test_a_caller_that_gives_up_does_not_stop_the_others() -> None:
    writer = Writer()
    write = Coalescer(writer.flush)
    impatient = asyncio.ensure_future(write(("a", 1)))
    patient = asyncio.ensure_future(write(("b", 2)))
    await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert await patient == "b=2"
