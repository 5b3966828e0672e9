"""The service runtime: operations endpoints, and serving until a stop or a failure."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from pytake_shared.runtime import Runtime
from pytake_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(service_name="svc-under-test", http_port=0)


def _client(runtime: Runtime) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(runtime.ops_router())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


async def test_healthz_answers_ok_with_the_service_name() -> None:
    async with _client(Runtime(SETTINGS)) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "svc-under-test"}


async def test_readyz_is_200_when_every_check_passes() -> None:
    runtime = Runtime(SETTINGS)
    runtime.add_ready_check("database", lambda: True)
    runtime.add_ready_check("config", lambda: True)
    async with _client(runtime) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"database": True, "config": True}}


async def test_readyz_is_503_and_names_the_check_that_fails() -> None:
    runtime = Runtime(SETTINGS)
    runtime.add_ready_check("database", lambda: True)
    runtime.add_ready_check("config", lambda: False)
    async with _client(runtime) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "checks": {"database": True, "config": False}}


async def test_a_readiness_check_that_raises_counts_as_not_ready() -> None:
    def broken() -> bool:
        raise RuntimeError("pool gone")

    runtime = Runtime(SETTINGS)
    runtime.add_ready_check("database", broken)
    assert runtime.readiness() == {"database": False}
    async with _client(runtime) as client:
        assert (await client.get("/readyz")).status_code == 503


async def test_readiness_follows_the_checks_as_they_change() -> None:
    ready = asyncio.Event()
    runtime = Runtime(SETTINGS)
    runtime.add_ready_check("config", ready.is_set)
    async with _client(runtime) as client:
        assert (await client.get("/readyz")).status_code == 503
        ready.set()
        assert (await client.get("/readyz")).status_code == 200


async def test_a_runtime_without_checks_is_ready() -> None:
    async with _client(Runtime(SETTINGS)) as client:
        response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"ready": True, "checks": {}})


async def test_metrics_are_served_in_the_prometheus_text_format() -> None:
    # Importing the consumer module registers PyTake's own metrics.
    import pytake_shared.kafka.consumer  # noqa: F401

    async with _client(Runtime(SETTINGS)) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE pytake_records_consumed_total counter" in response.text


# -- serve -----------------------------------------------------------------------------------


@pytest.fixture
async def restore_signals() -> AsyncIterator[None]:
    """`serve` installs SIGTERM/SIGINT handlers on the test loop: take them away after."""
    yield
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)


class Loop:
    """A stand-in consumer loop: runs until stopped, or fails or ends when told to."""

    def __init__(
        self, name: str, journal: list[str], *, fail: bool = False, end: bool = False
    ) -> None:
        self.name = name
        self.journal = journal
        self._stop = asyncio.Event()
        self.fail = fail
        self.end = end
        self.running = asyncio.Event()

    async def run(self) -> None:
        self.running.set()
        if self.fail:
            raise RuntimeError(f"{self.name} crashed")
        if not self.end:
            await self._stop.wait()
        self.journal.append(f"{self.name} finished")

    def stop(self) -> None:
        self.journal.append(f"{self.name} asked to stop")
        self._stop.set()


def _runtime_with(journal: list[str], *loops: Loop) -> Runtime:
    runtime = Runtime(SETTINGS)
    for loop in loops:
        runtime.add_task(loop.name, loop.run, loop.stop)

    def cleanup(name: str) -> Callable[[], asyncio.Future[None]]:
        async def close() -> None:
            journal.append(f"closed {name}")

        return close  # type: ignore[return-value]

    runtime.on_close(cleanup("producer"))
    runtime.on_close(cleanup("pool"))
    return runtime


@pytest.mark.usefixtures("restore_signals")
async def test_a_stop_request_stops_every_loop_then_closes_in_reverse_order() -> None:
    journal: list[str] = []
    a, b = Loop("a", journal), Loop("b", journal)
    runtime = _runtime_with(journal, a, b)
    serving = asyncio.create_task(runtime.serve())
    await asyncio.wait_for(asyncio.gather(a.running.wait(), b.running.wait()), 5)
    runtime.request_stop()
    assert await asyncio.wait_for(serving, 10) == 0
    assert set(journal[:4]) == {"a asked to stop", "b asked to stop", "a finished", "b finished"}
    assert journal[4:] == ["closed pool", "closed producer"]


@pytest.mark.usefixtures("restore_signals")
async def test_a_task_that_fails_stops_the_others_and_exits_non_zero() -> None:
    journal: list[str] = []
    healthy, broken = Loop("healthy", journal), Loop("broken", journal, fail=True)
    runtime = _runtime_with(journal, healthy, broken)
    assert await asyncio.wait_for(runtime.serve(), 10) == 1
    assert "healthy asked to stop" in journal
    assert "healthy finished" in journal
    assert journal[-2:] == ["closed pool", "closed producer"]


@pytest.mark.usefixtures("restore_signals")
async def test_a_task_that_ends_on_its_own_is_a_failure_too() -> None:
    journal: list[str] = []
    runtime = _runtime_with(journal, Loop("quitter", journal, end=True), Loop("b", journal))
    assert await asyncio.wait_for(runtime.serve(), 10) == 1
    assert "b finished" in journal


@pytest.mark.usefixtures("restore_signals")
async def test_a_failing_cleanup_does_not_prevent_the_others() -> None:
    journal: list[str] = []
    runtime = Runtime(SETTINGS)

    async def first() -> None:
        journal.append("first closed")

    async def broken() -> None:
        raise RuntimeError("close failed")

    runtime.on_close(first)
    runtime.on_close(broken)
    serving = asyncio.create_task(runtime.serve(FastAPI()))
    await asyncio.sleep(0)
    runtime.request_stop()
    assert await asyncio.wait_for(serving, 10) == 0
    assert journal == ["first closed"]


@pytest.mark.usefixtures("restore_signals")
async def test_sigterm_stops_the_service_cleanly() -> None:
    journal: list[str] = []
    loop = Loop("consumer", journal)
    runtime = _runtime_with(journal, loop)
    serving = asyncio.create_task(runtime.serve())
    await asyncio.wait_for(loop.running.wait(), 5)
    # Guard: only send the signal if a handler is in place (the default would kill pytest).
    assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(serving, 10) == 0
    assert "consumer finished" in journal
