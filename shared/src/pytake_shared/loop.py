"""The event loop every process runs on: uvloop when installed, else asyncio's own.

uvloop (libuv) and, through uvicorn's `http="auto"`, httptools take a good share of the
per-request and per-socket CPU off the Python side, which is where a 2-core machine runs out
first. `PYTAKE_EVENT_LOOP=asyncio` goes back to the standard loop (e.g. to compare, or to
debug with asyncio's debug mode).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")
LoopName = Literal["auto", "uvloop", "asyncio"]


def loop_factory(name: LoopName = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    if name == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if name == "uvloop":
            raise
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], name: LoopName = "auto") -> T:
    """`asyncio.run(main)` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(name)) as runner:
        return runner.run(main)
