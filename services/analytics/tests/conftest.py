"""Analytics test helpers: the management API in-process on this test's database and broker,
a tenancy world (two organizations, a user of every role, their tokens), and `drain` to read
what the config topic holds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from pytake_analytics.api.app import create_app
from pytake_analytics.bootstrap import MIGRATIONS
from pytake_analytics.domain import tokens
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.kafka import Producer

JWT_SECRET = "analytics-test-jwt-secret-0123456789abcdef"
CONFIG_KEY = "analytics-test-config-key"
PASSWORD = "correct horse battery"
ROLES = ("super_admin", "org_admin", "agent", "viewer")
CHEAP = {"password_hash_time_cost": 1, "password_hash_memory_kib": 1024}


def mint(user_id: uuid.UUID, role: str, org: uuid.UUID | None, *, ttl_s: int = 900) -> str:
    token, _ = tokens.issue(
        "access",
        user_id=user_id,
        role=role,
        organization_id=org,
        now=datetime.now(UTC),
        ttl_s=ttl_s,
        secret=JWT_SECRET,
    )
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def settings(make_settings: Callable[..., AnalyticsSettings], tmp_path: Path) -> AnalyticsSettings:
    return make_settings(
        AnalyticsSettings,
        jwt_secret=JWT_SECRET,
        pytake_config_key=CONFIG_KEY,
        pytake_data_dir=str(tmp_path / "data"),  # media files: never the checkout's .pytake
        **CHEAP,
    )


@pytest.fixture
async def pool(settings: AnalyticsSettings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, min_size=1, max_size=8)
    await migrate_pool(pool, "analytics", MIGRATIONS)
    yield pool
    await pool.close()


@pytest.fixture
async def producer(settings: AnalyticsSettings) -> AsyncIterator[Producer]:
    p = Producer(settings)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """The API's clock; a module whose data sits at fixed times overrides it."""
    return lambda: datetime.now(UTC)


@pytest.fixture
def app(
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    producer: Producer,
    clock: Callable[[], datetime],
) -> FastAPI:
    return create_app(settings, pool, producer, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as c:
        yield c


@pytest.fixture
def api(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same client, under the name the query-side tests use."""
    return client


@dataclass
class World:
    """Organizations A and B; a super admin, and an org_admin, agent and viewer of A and B."""

    org_a: uuid.UUID
    org_b: uuid.UUID
    users: dict[str, uuid.UUID] = field(default_factory=dict)  # "org_admin@a" → id
    tokens: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    @property
    def super(self) -> dict[str, str]:
        return self.headers("super_admin")


async def add_user(
    conn: asyncpg.Connection, email: str, role: str, org: uuid.UUID | None, password: str = PASSWORD
) -> uuid.UUID:
    user_id = uuid.uuid4()
    hashed = PasswordHasher(time_cost=1, memory_cost=1024).hash(password)
    await conn.execute(
        "INSERT INTO analytics.users (id, email, password_hash, full_name, role, organization_id)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        user_id,
        email,
        hashed,
        email.split("@")[0],
        role,
        org,
    )
    return user_id


@pytest.fixture
async def world(pool: asyncpg.Pool) -> World:
    org_a, org_b = uuid.uuid4(), uuid.uuid4()
    w = World(org_a, org_b)
    async with pool.acquire() as conn:
        for org, name in ((org_a, "Org A"), (org_b, "Org B")):
            await conn.execute(
                "INSERT INTO analytics.organizations (id, name) VALUES ($1, $2)", org, name
            )
        w.emails["super_admin"] = "root@pytake.test"
        w.users["super_admin"] = await add_user(conn, "root@pytake.test", "super_admin", None)
        w.tokens["super_admin"] = mint(w.users["super_admin"], "super_admin", None)
        for suffix, org in (("a", org_a), ("b", org_b)):
            for role in ROLES[1:]:
                who = f"{role}@{suffix}"
                email = f"{role}.{suffix}@pytake.test"
                w.emails[who] = email
                w.users[who] = await add_user(conn, email, role, org)
                w.tokens[who] = mint(w.users[who], role, org)
    return w


def latest(records: list[Any]) -> dict[str, bytes | None]:
    """The compacted view of config records: the last value per key (None = tombstone)."""
    out: dict[str, bytes | None] = {}
    for r in records:  # one key is on one partition, in order
        out[r.key.decode()] = r.value
    return out
