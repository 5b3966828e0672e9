"""Publishing is not lost: a write whose publish failed stays in the outbox until a later
flush, in order; and the wired service migrates, seeds, flushes and republishes at start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from aiokafka.errors import KafkaConnectionError

from pytake_analytics.adapters.outbox import Outbox
from pytake_analytics.api.app import create_app
from pytake_analytics.bootstrap import MIGRATIONS, build
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.kafka import Producer
from pytake_shared.secrets import SecretBox
from pytake_shared.topics import Topics

from ..conftest import CHEAP, CONFIG_KEY, JWT_SECRET, World, latest

Drain = Callable[[str], Awaitable[list[Any]]]


class _BrokerDown:
    """Stands in for a producer whose broker does not answer."""

    class raw:  # mirrors `Producer.raw`
        @staticmethod
        async def send(*args: Any, **kwargs: Any) -> Any:
            raise KafkaConnectionError("broker down")


async def test_a_write_whose_publish_failed_is_published_by_a_later_flush_in_order(
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    producer: Producer,
    world: World,
    drain: Drain,
    topics: Topics,
) -> None:
    app = create_app(settings, pool, _BrokerDown())  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://a") as c:
        admin = world.headers("org_admin@a")
        r = await c.post("/api/v1/chatbots", json={"name": "First"}, headers=admin)
        assert r.status_code == 201  # committed: the record waits in the outbox
        bot = r.json()["id"]
        r = await c.patch(f"/api/v1/chatbots/{bot}", json={"name": "Second"}, headers=admin)
        assert r.status_code == 200
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM analytics.outbox") == 2
    assert f"chatbot:{bot}" not in latest(await drain(topics.config))

    outbox = Outbox(pool, producer, topics.config, SecretBox(CONFIG_KEY))
    assert await outbox.flush() == 2
    assert await outbox.flush() == 0
    value = latest(await drain(topics.config))[f"chatbot:{bot}"]
    assert orjson.loads(value or b"")["data"]["entity"]["name"] == "Second"


@pytest.mark.usefixtures("restore_signals")
async def test_the_wired_service_seeds_flushes_and_republishes_at_start(
    make_settings: Callable[..., AnalyticsSettings], drain: Drain, topics: Topics
) -> None:
    settings = make_settings(
        AnalyticsSettings,
        jwt_secret=JWT_SECRET,
        pytake_config_key=CONFIG_KEY,
        pytake_admin_email="Admin@Pytake.test",
        pytake_admin_password="admin-password",
        pytake_demo_seed=True,
        **CHEAP,
    )
    # A record a previous instance committed but never published.
    pool = await create_pool(settings.database_url)
    await migrate_pool(pool, "analytics", MIGRATIONS)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO analytics.outbox (topic, key, value) VALUES ($1, 'number:stale', NULL)",
            topics.config,
        )
    await pool.close()

    runtime, app = await build(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://a") as c:
        r = await c.post(
            "/api/v1/auth/login",
            json={"email": "admin@pytake.test", "password": "admin-password"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["user"]["role"] == "super_admin"
        headers = {"Authorization": f"Bearer {r.json()['token']['access_token']}"}
        flows = (await c.get("/api/v1/flows", headers=headers)).json()["flows"]
        assert [f["published_version"] for f in flows] == [1]
        numbers = (await c.get("/api/v1/whatsapp/", headers=headers)).json()["numbers"]
        assert numbers[0]["phone_number_id"] == settings.pytake_demo_phone_number_id
        assert numbers[0]["has_access_token"] is True
    records = latest(await drain(topics.config))
    assert records["number:stale"] is None
    assert records[f"number:{settings.pytake_demo_phone_number_id}"] is not None
    assert records[f"flow:{flows[0]['id']}@1"] is not None
    assert sum(k.startswith("org:") for k in records) == 1
    assert sum(k.startswith("chatbot:") for k in records) == 1

    runtime.request_stop()
    assert await runtime.serve(app) == 0


@pytest.mark.usefixtures("restore_signals")
async def test_a_rotated_config_key_reads_old_secrets_and_reseals_them_at_start(
    make_settings: Callable[..., AnalyticsSettings], drain: Drain, topics: Topics
) -> None:
    old_key, new_key = "the-config-key-before-rotation-0001", "the-config-key-after-rotation-0002"
    common: dict[str, Any] = {"jwt_secret": JWT_SECRET, "pytake_demo_seed": True, **CHEAP}
    before = make_settings(AnalyticsSettings, pytake_config_key=old_key, **common)
    runtime, app = await build(before)  # seeds the demo number, sealed with the old key
    runtime.request_stop()
    assert await runtime.serve(app) == 0

    after = make_settings(
        AnalyticsSettings, pytake_config_key=new_key, pytake_config_old_keys=old_key, **common
    )
    runtime, app = await build(after)
    runtime.request_stop()
    assert await runtime.serve(app) == 0
    pool = await create_pool(after.database_url)
    try:
        stored = await pool.fetchrow(
            "SELECT access_token, app_secret FROM analytics.whatsapp_numbers"
        )
    finally:
        await pool.close()
    alone = SecretBox(new_key)  # the old key can now be retired
    assert alone.open(stored["access_token"]) == after.pytake_demo_access_token
    with pytest.raises(ValueError):
        SecretBox(old_key).open(stored["access_token"])
    record = latest(await drain(topics.config))[f"number:{after.pytake_demo_phone_number_id}"]
    sealed = orjson.loads(record or b"")["data"]["entity"]["access_token"]
    assert alone.open(sealed) == after.pytake_demo_access_token
