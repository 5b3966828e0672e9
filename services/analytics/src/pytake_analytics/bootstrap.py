"""Wires analytics: database, start-up data, config publishing, the REST API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pytake_analytics.publisher import publish_all
from pytake_analytics.seed import ensure_admin, seed_demo
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.http_errors import install_error_handlers
from pytake_shared.runtime import Runtime
from pytake_shared.secrets import SecretBox
from pytake_shared.wiring import start_database, start_producer

MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: AnalyticsSettings) -> tuple[Runtime, FastAPI]:
    runtime = Runtime(settings)
    box = SecretBox(settings.pytake_config_key)
    producer = await start_producer(runtime)
    pool = await start_database(runtime, "analytics", MIGRATIONS)
    async with pool.acquire() as conn:
        await ensure_admin(conn, settings)
        if settings.pytake_demo_seed:
            await seed_demo(conn, settings, box)
    await publish_all(pool, producer, settings.topics.config, box)
    app = FastAPI(title="PyTake API", version="1")
    install_error_handlers(app)
    return runtime, app


async def run(settings: AnalyticsSettings) -> int:
    runtime, app = await build(settings)
    return await runtime.serve(app)
