"""Periodic jobs of the runtime: they repeat, survive their own failures and stop with it."""

from __future__ import annotations

import asyncio

from pytake_shared.runtime import Runtime
from pytake_shared.settings import ServiceSettings


async def test_a_periodic_job_repeats_survives_failures_and_stops_with_the_runtime() -> None:
    runtime = Runtime(ServiceSettings(http_port=0))
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run fails")

    runtime.add_periodic("job", 0.01, job)
    serving = asyncio.create_task(runtime.serve())
    async with asyncio.timeout(10):
        while len(runs) < 3:
            await asyncio.sleep(0.01)
    runtime.request_stop()
    assert await asyncio.wait_for(serving, 10) == 0
