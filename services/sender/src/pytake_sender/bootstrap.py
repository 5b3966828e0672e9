"""Wires the sender: ledger, Graph API client, config view, the wa.outbound.v1 consumer, and the
media fetcher (its own wa.inbound.v1 consumer, storing into the media storage backend)."""

from __future__ import annotations

from pathlib import Path

from pytake_sender.adapters.graph import GraphClient
from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.adapters.media_graph import MediaGraph
from pytake_sender.adapters.uploads import MediaUploads
from pytake_sender.confirmations import StatusConfirmations
from pytake_sender.domain.retry import RetryPolicy
from pytake_sender.handlers import Pacing, SenderHandler
from pytake_sender.media_fetch import GROUP as MEDIA_GROUP
from pytake_sender.media_fetch import MediaFetcher
from pytake_sender.settings import SenderSettings
from pytake_shared.media_storage import build_storage
from pytake_shared.runtime import Runtime
from pytake_shared.wiring import (
    start_config_view,
    start_consumer,
    start_database,
    start_producer,
)

MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: SenderSettings) -> Runtime:
    runtime = Runtime(settings)
    producer = await start_producer(runtime)
    pool = await start_database(runtime, "sender", MIGRATIONS)
    config = start_config_view(runtime)
    graph = GraphClient(
        settings.graph_api_base_url,
        settings.graph_api_version,
        settings.graph_api_timeout_s,
        settings.graph_api_keepalive_s,
    )
    runtime.on_close(graph.close)
    media_graph = MediaGraph(
        settings.graph_api_base_url, settings.graph_api_version, settings.graph_api_timeout_s
    )
    runtime.on_close(media_graph.close)
    storage = build_storage(settings)
    runtime.on_close(storage.close)
    ledger = OutboundLedger(pool)
    handler = SenderHandler(
        settings.topics,
        config,
        ledger,
        graph,
        producer,
        pacing=Pacing(
            mps=settings.sender_default_mps,
            pair_burst=settings.sender_pair_burst,
            pair_interval_s=settings.sender_pair_interval_s,
            confirm_wait_s=settings.sender_confirm_wait_s,
            resend_unconfirmed=settings.sender_resend_unconfirmed,
        ),
        policy=RetryPolicy(max_attempts=settings.sender_max_attempts),
        uploads=MediaUploads(pool, storage, media_graph),
    )
    runtime.on_close(handler.close)
    start_consumer(
        runtime,
        topics=[settings.topics.wa_inbound],
        group_id="sender-statuses",
        handler=StatusConfirmations(ledger),
        producer=producer,
        background=True,  # confirms sends whose answer was lost; no one waits on it
    )
    start_consumer(
        runtime,
        topics=[settings.topics.wa_inbound],
        group_id=MEDIA_GROUP,
        handler=MediaFetcher(
            settings.topics,
            config,
            media_graph,
            storage,
            producer,
            fresh_urls=settings.media_fetch_fresh_urls,
        ),
        producer=producer,
        wait_for=config.caught_up,  # the numbers' tokens
        # Off the reply path: a flow reads a photo by our media id, never by waiting for the
        # file, and 3 of 4 records here are statuses it skips; a fetch per 10 ms cost both.
        background=True,
    )
    start_consumer(
        runtime,
        topics=[settings.topics.wa_outbound],
        group_id="sender",
        handler=handler,
        producer=producer,
        wait_for=config.caught_up,
    )
    return runtime


async def run(settings: SenderSettings) -> int:
    return await (await build(settings)).serve()
