"""The management API as a FastAPI app, built from settings, a pool and a producer.

Tests build it directly (no `Runtime`); `bootstrap.build` wires the same app into the service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
from fastapi import APIRouter, FastAPI

from pytake_analytics.adapters.commands import Commands
from pytake_analytics.adapters.live import LiveHub
from pytake_analytics.adapters.outbox import Outbox
from pytake_analytics.adapters.passwords import Passwords
from pytake_analytics.adapters.store import Store
from pytake_analytics.api import (
    analytics,
    auth,
    broadcasts,
    chatbots,
    console,
    conversation_actions,
    conversations,
    errors,
    flows,
    live,
    media,
    numbers,
    openapi,
    organizations,
    replay,
    simulate,
    templates,
    users,
)
from pytake_analytics.api.deps import Context
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.access_log import AccessLog
from pytake_shared.http_errors import install_error_handlers
from pytake_shared.kafka.producer import Producer
from pytake_shared.media_storage import MediaStorage

PREFIX = "/api/v1"


def _now() -> datetime:
    return datetime.now(UTC)


def build_context(
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    producer: Producer,
    *,
    clock: Callable[[], datetime] = _now,
    live_hub: LiveHub | None = None,
) -> Context:
    box = settings.secret_box()
    outbox = Outbox(pool, producer, settings.topics.config, box)
    passwords = Passwords(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )
    commands = Commands(producer, settings.topics.commands)
    return Context(settings, Store(pool, outbox), passwords, box, clock, commands, live_hub)


def create_app(
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    producer: Producer,
    *,
    clock: Callable[[], datetime] = _now,
    live_hub: LiveHub | None = None,
    media_storage: MediaStorage | None = None,
) -> FastAPI:
    app = FastAPI(
        title="PyTake API",
        version="1",
        description="Management API: auth, organizations, users, WhatsApp numbers, chatbots, "
        "flows; conversations (built from the topics) and agent actions on them; analytics. "
        'Every error is `{"error": {"code", "message"}}`.',
        generate_unique_id_function=openapi.operation_id,
    )
    openapi.install(app)
    install_error_handlers(app)  # the last resort: anything unexpected is a 503
    errors.install(app)
    app.state.pytake = build_context(settings, pool, producer, clock=clock, live_hub=live_hub)
    api = APIRouter(prefix=PREFIX)
    for module in (
        auth,
        organizations,
        users,
        numbers,
        chatbots,
        flows,
        simulate,
        conversations,
        conversation_actions,
        replay,
        analytics,
        live,
        media,
        templates,
        broadcasts,
    ):
        api.include_router(module.router)
    app.include_router(api)
    media.attach(app, settings, media_storage)
    console.mount(app, settings.console_dir)
    app.add_middleware(AccessLog)
    return app
