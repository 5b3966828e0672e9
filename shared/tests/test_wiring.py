"""The wiring helpers every bootstrap uses, against the real broker and database."""

from __future__ import annotations

import asyncio
import signal
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Record, RecordHandler
from pytake_shared.kafka.admin import ensure_topics, wait_for_broker
from pytake_shared.runtime import Runtime
from pytake_shared.secrets import generate
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.embedded import free_port
from pytake_shared.topics import Topics
from pytake_shared.wiring import (
    service_main,
    start_config_view,
    start_consumer,
    start_database,
    start_producer,
)


@pytest.fixture
async def restore_signals() -> AsyncIterator[None]:
    yield
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)


class Seen(RecordHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def handle(self, record: Record) -> None:
        self.seen.append(record.envelope.data["text"])


async def _until(check: Callable[[], bool], timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if check():
                return
            await asyncio.sleep(0.05)


async def test_ensure_topics_creates_the_registry_once(kafka_bootstrap: str) -> None:
    fresh = Topics(namespace=f"w{uuid.uuid4().hex[:8]}", partitions=2)
    created = await ensure_topics(kafka_bootstrap, fresh)
    assert sorted(created) == sorted(name for name, _ in fresh.all())
    assert await ensure_topics(kafka_bootstrap, fresh) == []


async def test_waiting_for_a_broker_that_is_not_there_times_out() -> None:
    with pytest.raises(TimeoutError, match="not reachable"):
        await wait_for_broker(f"127.0.0.1:{free_port()}", timeout_s=0.3)


async def test_start_producer_creates_the_namespace_topics_and_closes_on_shutdown(
    make_settings: Callable[..., ServiceSettings], kafka_bootstrap: str
) -> None:
    settings = make_settings(pytake_topic_namespace=f"w{uuid.uuid4().hex[:8]}")
    runtime = Runtime(settings)
    producer = await start_producer(runtime)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    assert {name for name, _ in settings.topics.all()} <= existing
    await producer.send(
        settings.topics.events, Envelope.new("x.y", source="t", subject="k", data={})
    )
    for cleanup in reversed(runtime._cleanups):
        await cleanup()
    with pytest.raises(RuntimeError, match="not started"):
        _ = producer.raw


async def test_start_database_migrates_and_is_ready_until_closed(
    make_settings: Callable[..., ServiceSettings], tmp_path: Path
) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    runtime = Runtime(make_settings(database_pool_min=1, database_pool_max=2))
    pool = await start_database(runtime, "svc", tmp_path)
    assert await pool.fetchval("SELECT count(*) FROM svc.things") == 0
    assert runtime.readiness() == {"database": True}
    for cleanup in reversed(runtime._cleanups):
        await cleanup()
    assert runtime.readiness() == {"database": False}
    assert "database-probe" in runtime._tasks  # a periodic SELECT 1 keeps it honest
    # A second start on the same database applies nothing and still works.
    again = Runtime(make_settings())
    pool = await start_database(again, "svc", tmp_path)
    assert await pool.fetchval("SELECT count(*) FROM svc.schema_migrations") == 1
    await pool.close()


@pytest.mark.usefixtures("restore_signals")
async def test_a_consumer_waits_for_its_gate_then_runs_until_the_service_stops(
    make_settings: Callable[..., ServiceSettings], topics: Topics
) -> None:
    runtime = Runtime(make_settings())
    producer = await start_producer(runtime)
    view = start_config_view(runtime)
    handler = Seen()
    gate = asyncio.Event()
    loop = start_consumer(
        runtime,
        topics=[topics.commands],
        group_id="wired",
        handler=handler,
        producer=producer,
        wait_for=gate,
    )
    assert loop.group_id == f"{topics.namespace}.wired"
    assert loop.fetch_max_wait_ms == runtime.settings.kafka_fetch_max_wait_ms == 25
    assert runtime.readiness() == {"config": False, "consumer-wired": False}

    serving = asyncio.create_task(runtime.serve())
    await producer.send(
        topics.commands, Envelope.new("x.y", source="t", subject="k", data={"text": "one"})
    )
    await asyncio.wait_for(view.caught_up.wait(), 15)
    await asyncio.sleep(0.5)
    assert handler.seen == []  # the gate is still closed: not even joined
    assert not loop.assigned.is_set()

    gate.set()
    await _until(lambda: handler.seen == ["one"])
    assert runtime.readiness() == {"config": True, "consumer-wired": True}
    runtime.request_stop()
    assert await asyncio.wait_for(serving, 20) == 0
    with pytest.raises(RuntimeError, match="not started"):
        _ = producer.raw


@pytest.mark.usefixtures("restore_signals")
async def test_a_consumer_still_waiting_for_its_gate_stops_without_joining(
    make_settings: Callable[..., ServiceSettings], topics: Topics
) -> None:
    runtime = Runtime(make_settings())
    producer = await start_producer(runtime)
    loop = start_consumer(
        runtime,
        topics=[topics.commands],
        group_id="gated",
        handler=Seen(),
        producer=producer,
        wait_for=asyncio.Event(),
        background=True,
    )
    assert loop.fetch_max_wait_ms == runtime.settings.kafka_background_fetch_max_wait_ms == 500
    serving = asyncio.create_task(runtime.serve())
    await asyncio.sleep(0.1)
    runtime.request_stop()
    assert await asyncio.wait_for(serving, 10) == 0
    assert not loop.assigned.is_set()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_service_main_runs_the_service_and_exits_with_its_code() -> None:
    seen: list[ServiceSettings] = []
    outcome: list[BaseException] = []

    async def run(settings: ServiceSettings) -> int:
        seen.append(settings)
        return 3

    def main() -> None:  # in a thread: asyncio.run needs a thread without a running loop
        try:
            settings = ServiceSettings(
                service_name="svc", log_level="WARNING", pytake_config_key=generate()
            )
            service_main(settings, run)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=main)
    thread.start()
    thread.join(10)
    [exc] = outcome
    assert isinstance(exc, SystemExit) and exc.code == 3
    assert [s.service_name for s in seen] == ["svc"]
