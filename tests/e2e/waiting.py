"""Waiting in end-to-end tests: poll a check until it gives something, within a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def until(
    check: Callable[[], Awaitable[Any]], timeout: float = 45, every: float = 0.3
) -> Any:
    """What `check` returns once it is truthy; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(every)
