"""Wires analytics: database, start-up data, config publishing, the projection consumer and
the REST API."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from pytake_analytics.adapters.live import LiveHub
from pytake_analytics.adapters.numbers import reseal_secrets
from pytake_analytics.adapters.projections import forget_offsets, prune_processed
from pytake_analytics.api.app import create_app
from pytake_analytics.api.deps import Context
from pytake_analytics.api.templates import sync_all
from pytake_analytics.broadcaster import Broadcaster
from pytake_analytics.migrate import MIGRATIONS
from pytake_analytics.projections import GROUP, ProjectionHandler
from pytake_analytics.projections.media import GROUP as MEDIA_GROUP
from pytake_analytics.projections.media import MediaProjection
from pytake_analytics.publisher import publish_all
from pytake_analytics.retention import MediaRetention
from pytake_analytics.seed import ensure_admin, seed_demo
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.media_storage import build_storage
from pytake_shared.runtime import Runtime
from pytake_shared.wiring import start_consumer, start_database, start_producer

__all__ = ["MIGRATIONS", "build", "run"]

log = logging.getLogger(__name__)


async def build(settings: AnalyticsSettings) -> tuple[Runtime, FastAPI]:
    runtime = Runtime(settings)
    producer = await start_producer(runtime)
    pool = await start_database(runtime, "analytics", MIGRATIONS)
    runtime.broker_watch.on_lost(lambda: forget_offsets(pool))
    hub = LiveHub(settings.database_url)
    runtime.add_task("live-updates", hub.run, hub.stop)
    storage = build_storage(settings)
    runtime.on_close(storage.close)
    app = create_app(settings, pool, producer, live_hub=hub, media_storage=storage)
    ctx: Context = app.state.pytake
    async with pool.acquire() as conn:
        resealed = await reseal_secrets(conn, ctx.box)
        if resealed:
            log.info("resealed the secrets of %d numbers under the current key", resealed)
        await ensure_admin(conn, settings)
        if settings.pytake_demo_seed:
            await seed_demo(conn, settings, ctx.box)
    # Whatever a previous instance committed but did not publish goes first; then everything
    # is published again (the topic is compacted, consumers apply snapshots idempotently).
    await ctx.store.outbox.flush()
    await publish_all(pool, producer, settings.topics.config, ctx.box)
    runtime.add_periodic(
        "config-outbox", settings.outbox_interval_s, ctx.store.outbox.flush_quietly
    )
    projections = ProjectionHandler(settings.topics, pool, outbox=ctx.store.outbox)
    start_consumer(
        runtime,
        topics=projections.sources,
        group_id=GROUP,
        handler=projections,
        producer=producer,
        background=True,  # dashboards, not replies
    )
    runtime.add_periodic("prune-projection-ids", 3600, lambda: prune_processed(pool))
    media_rows = MediaProjection(settings.topics, pool)
    start_consumer(
        runtime,
        topics=media_rows.sources,
        group_id=MEDIA_GROUP,
        handler=media_rows,
        producer=producer,
        background=True,
    )
    retention = MediaRetention(pool, storage, settings.media_retention_days, ctx.clock)
    runtime.add_periodic("media-retention", settings.media_retention_interval_s, retention.run)
    runtime.add_periodic("template-sync", settings.template_sync_interval_s, lambda: sync_all(ctx))
    broadcaster = Broadcaster(
        pool,
        producer,
        settings.topics.wa_outbound,
        default_mps=settings.broadcast_default_mps,
        share=settings.broadcast_rate_share,
        tick_s=settings.broadcast_tick_s,
    )
    runtime.add_task("broadcasts", broadcaster.run, broadcaster.stop)
    return runtime, app


async def run(settings: AnalyticsSettings) -> int:
    runtime, app = await build(settings)
    return await runtime.serve(app)
