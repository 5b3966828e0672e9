"""Wires the executor: database, config view, the conversation.commands.v1 consumer."""

from __future__ import annotations

from pathlib import Path

from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store
from pytake_executor.effects import EffectsHandler
from pytake_executor.handlers import ExecutorHandler
from pytake_executor.settings import ExecutorSettings
from pytake_executor.timers import TimerPoller
from pytake_shared import media_links
from pytake_shared.egress import EgressPolicy
from pytake_shared.runtime import Runtime
from pytake_shared.wiring import (
    start_config_view,
    start_consumer,
    start_database,
    start_producer,
)

MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: ExecutorSettings) -> Runtime:
    runtime = Runtime(settings)
    producer = await start_producer(runtime)
    pool = await start_database(runtime, "executor", MIGRATIONS)
    config = start_config_view(runtime)
    store = Store(pool)
    runtime.broker_watch.on_lost(store.forget_offsets)
    runtime.add_periodic("prune-processed-ids", 3600, store.prune_processed)
    runtime.add_periodic(
        "fire-timers",
        settings.executor_timer_interval_s,
        TimerPoller(store, producer, settings.topics).tick,
    )
    effects = EffectsHandler(
        settings.topics,
        producer,
        EgressPolicy.parse(settings.egress_allow),
        max_response_bytes=settings.egress_max_response_bytes,
    )
    runtime.on_close(effects.close)
    start_consumer(
        runtime,
        topics=[settings.topics.events],
        group_id="executor-effects",
        handler=effects,
        producer=producer,
    )
    secret = media_links.link_secret(settings.pytake_config_key)

    def media_url(media_id: str, now: int) -> str:
        return media_links.content_url(
            settings.pytake_public_url, secret, media_id, now, settings.media_link_ttl_s
        )

    handler = ExecutorHandler(
        settings.topics,
        store,
        ConfigFlows(config, settings.executor_max_messages_per_event, media_url=media_url),
        producer,
    )
    runtime.add_periodic("forget-published-outbox", 1.0, handler.forget_published)
    runtime.on_close(handler.forget_published)
    start_consumer(
        runtime,
        topics=[settings.topics.commands],
        group_id="executor",
        handler=handler,
        producer=producer,
        wait_for=config.caught_up,
    )
    return runtime


async def run(settings: ExecutorSettings) -> int:
    return await (await build(settings)).serve()
