"""Wires the router: config view, dedupe ledger, the wa.inbound.v1 consumer."""

from __future__ import annotations

from pathlib import Path

from pytake_router.adapters.ledger import DedupeLedger
from pytake_router.handlers import RouterHandler
from pytake_router.settings import RouterSettings
from pytake_shared.runtime import Runtime
from pytake_shared.wiring import (
    start_config_view,
    start_consumer,
    start_database,
    start_producer,
)

MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: RouterSettings) -> Runtime:
    runtime = Runtime(settings)
    producer = await start_producer(runtime)
    pool = await start_database(runtime, "router", MIGRATIONS)
    config = start_config_view(runtime)
    ledger = DedupeLedger(pool, settings.router_dedupe_days)
    runtime.add_periodic("prune-dedupe-ledger", 3600, ledger.prune)
    handler = RouterHandler(
        settings.topics, config, ledger, producer, settings.router_rate_limit_per_minute
    )
    start_consumer(
        runtime,
        topics=[settings.topics.wa_inbound],
        group_id="router",
        handler=handler,
        producer=producer,
        wait_for=config.caught_up,
    )
    return runtime


async def run(settings: RouterSettings) -> int:
    return await (await build(settings)).serve()
