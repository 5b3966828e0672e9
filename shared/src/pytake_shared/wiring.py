"""Helpers that wire the common parts of a service into its `Runtime`.

Each helper starts one dependency, registers how to stop it and what makes it ready, so every
service's `bootstrap.py` reads as a short list of what the service is made of.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from pytake_shared import faults, secrets
from pytake_shared import loop as event_loop
from pytake_shared.config import ConfigView
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.kafka.admin import ensure_topics, wait_for_broker
from pytake_shared.kafka.consumer import ConsumerLoop
from pytake_shared.kafka.handlers import Handler
from pytake_shared.kafka.producer import Producer
from pytake_shared.logs import configure_logging
from pytake_shared.runtime import Runtime
from pytake_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)


async def start_producer(runtime: Runtime) -> Producer:
    settings = runtime.settings
    await wait_for_broker(settings.kafka_bootstrap_servers, timeout_s=60)
    # Every service may be the first up: creating the registry's topics is idempotent.
    await ensure_topics(
        settings.kafka_bootstrap_servers, settings.topics, settings.pytake_topic_replication
    )
    producer = Producer(settings)
    await producer.start()
    runtime.on_close(producer.stop)
    watch = BrokerWatch(settings)
    runtime.broker_watch = watch
    runtime.add_task("broker-watch", watch.run, watch.stop)
    return producer


class BrokerLost(RuntimeError):
    """The broker forgot the topics (an in-memory dev broker restarted, or an operator deleted
    them): the service exits to start afresh on what the broker has now."""


class BrokerWatch:
    """Notices the topics vanishing. An in-memory broker that restarts comes back empty: the
    consumers' groups, committed offsets and the topics themselves are gone, so a service that
    just reconnected would wait forever on topics nobody recreates. The watch recreates them,
    lets the service forget offsets it stored itself (`on_lost`), and fails, so the supervisor
    starts the service again (analytics then republishes the configuration)."""

    INTERVAL_S = 2.0

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._stop = asyncio.Event()
        self._callbacks: list[Callable[[], Coroutine[Any, Any, object]]] = []

    def on_lost(self, callback: Callable[[], Coroutine[Any, Any, object]]) -> None:
        self._callbacks.append(callback)

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        settings = self._settings
        wanted = {name for name, _ in settings.topics.all()}
        admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=5000
        )
        await admin.start()
        cluster: str | None = None
        try:
            while not self._stop.is_set():
                try:
                    seen = (await admin.describe_cluster()).get("cluster_id")
                    missing = wanted - set(await admin.list_topics())
                except Exception as exc:  # the broker away: the producer and consumers say so
                    if not faults.is_transient(exc):
                        raise
                else:
                    cluster = cluster or seen
                    if seen != cluster:
                        await self._lost(f"the cluster is another one ({cluster} -> {seen})")
                    if missing:
                        await self._lost(f"{len(missing)} topics are gone, e.g. {min(missing)}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.INTERVAL_S)
        finally:
            await admin.close()

    async def _lost(self, why: str) -> None:
        settings = self._settings
        log.error(
            "the broker forgot what it had (%s; an in-memory broker restarted?): recreating the "
            "topics, forgetting stored offsets and restarting",
            why,
        )
        await ensure_topics(
            settings.kafka_bootstrap_servers, settings.topics, settings.pytake_topic_replication
        )
        for callback in self._callbacks:
            await callback()
        raise BrokerLost(why)


async def start_database(runtime: Runtime, schema: str, migrations: Path) -> asyncpg.Pool:
    """The pool, once the database answers and the schema is migrated: a database that is not
    up yet (or restarting) is waited for, as it is later by the consumers."""
    settings = runtime.settings
    attempt = 0
    while True:
        try:
            pool = await create_pool(
                settings.database_url,
                min_size=settings.database_pool_min,
                max_size=settings.database_pool_max,
            )
            try:
                applied = await migrate_pool(pool, schema, migrations)
            except BaseException:
                await pool.close()
                raise
            break
        except Exception as exc:
            if not faults.is_transient(exc):
                raise
            attempt += 1
            if attempt == 1:
                log.warning("waiting for the database: %r", exc)
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
    runtime.on_close(pool.close)
    if applied:
        log.info("schema %s migrated: %s", schema, ", ".join(applied))
    probe = DatabaseProbe(pool)
    runtime.add_periodic("database-probe", 2.0, probe.check)
    runtime.add_ready_check("database", lambda: probe.reachable and not pool._closed)
    return pool


class DatabaseProbe:
    """Whether the database answered its last `SELECT 1` (readiness, every 2 s)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.reachable = True

    async def check(self) -> None:
        try:
            await self._pool.fetchval("SELECT 1", timeout=2.0)
        except Exception as exc:
            if self.reachable:
                log.warning("database unreachable: %r", exc)
            self.reachable = False
            if not faults.is_transient(exc):
                raise
            return
        self.reachable = True


def start_config_view(runtime: Runtime) -> ConfigView:
    view = ConfigView(runtime.settings, runtime.settings.secret_box())
    runtime.add_task("config-view", view.run, view.stop)
    runtime.add_ready_check("config", view.caught_up.is_set)
    return view


def start_consumer(
    runtime: Runtime,
    *,
    topics: Sequence[str],
    group_id: str,
    handler: Handler,
    producer: Producer,
    wait_for: asyncio.Event | None = None,
    background: bool = False,
) -> ConsumerLoop:
    """Run a consumer loop; with `wait_for`, join the group only once that event is set
    (e.g. the config view caught up, so the first records are not handled blind). A
    `background` loop is off the reply path: it fetches with the longer background wait and
    polls at most every `kafka_background_poll_interval_ms` while records keep coming."""
    settings = runtime.settings
    loop = ConsumerLoop(
        settings,
        topics=topics,
        group_id=settings.topics.group(group_id),
        handler=handler,
        producer=producer,
        fetch_max_wait_ms=settings.kafka_background_fetch_max_wait_ms if background else None,
        poll_interval_ms=(
            settings.kafka_background_poll_interval_ms
            if background
            else settings.kafka_poll_interval_ms
        ),
    )

    async def run() -> None:
        if wait_for is not None:
            stop = asyncio.create_task(loop.stopping.wait())
            ready = asyncio.create_task(wait_for.wait())
            await asyncio.wait({stop, ready}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            ready.cancel()
            if loop.stopping.is_set():
                return
        await loop.run()

    runtime.add_task(f"consumer-{group_id}", run, loop.stop)
    runtime.add_ready_check(f"consumer-{group_id}", loop.ready)
    return loop


def service_main(settings: S, run: Callable[[S], Coroutine[Any, Any, int]]) -> None:
    """The body of every `python -m pytake_<service>`: refuse unfit secrets, logs, run, exit
    with its code."""
    refused = secrets.problems(settings.required_secrets())
    for line in refused:
        print(f"pytake-{settings.service_name}: refusing to start: {line}", file=sys.stderr)
    if refused:
        sys.exit(2)
    configure_logging(settings.service_name, settings.log_level)
    sys.exit(event_loop.run(run(settings), settings.pytake_event_loop))
