"""Auth on the real database: login, refresh with rotation, logout, me, and the login limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import jwt
from fastapi import FastAPI

from pytake_analytics.api.app import create_app
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.kafka import Producer

from ..conftest import CHEAP, CONFIG_KEY, JWT_SECRET, PASSWORD, World, bearer

LOGIN = "/api/v1/auth/login"


async def _login(c: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await c.post(LOGIN, json={"email": email, "password": password})


async def test_login_returns_the_user_with_permissions_and_a_token_pair(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await _login(client, "ORG_ADMIN.a@pytake.test")  # emails are case-insensitive
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["email"] == "org_admin.a@pytake.test"
    assert body["user"]["role"] == "org_admin"
    assert body["user"]["organization_id"] == str(world.org_a)
    assert "flows:publish" in body["user"]["permissions"]
    assert "password_hash" not in body["user"]
    token = body["token"]
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 900
    claims = jwt.decode(
        token["access_token"], JWT_SECRET, algorithms=["HS256"], audience="pytake-api"
    )
    assert (claims["iss"], claims["aud"]) == ("pytake", "pytake-api")
    assert claims["type"] == "access"
    assert claims["sub"] == body["user"]["id"]
    assert claims["organization_id"] == str(world.org_a)
    assert claims["role"] == "org_admin"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]
    refresh = jwt.decode(
        token["refresh_token"], JWT_SECRET, algorithms=["HS256"], audience="pytake-api"
    )
    assert refresh["type"] == "refresh"
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600

    me = await client.get("/api/v1/auth/me", headers=bearer(token["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]
    assert me.json()["permissions"] == body["user"]["permissions"]


async def test_wrong_password_and_unknown_email_get_the_same_401(
    client: httpx.AsyncClient, world: World
) -> None:
    wrong = await _login(client, "agent.a@pytake.test", "not the password")
    unknown = await _login(client, "nobody@pytake.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


async def test_refresh_rotates_and_the_old_refresh_token_is_revoked(
    client: httpx.AsyncClient, world: World
) -> None:
    first = (await _login(client, "viewer.a@pytake.test")).json()["token"]
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/auth/me", headers=bearer(second["access_token"]))).is_success
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "invalid_token"
    # Presenting a rotated token again means it leaked: the whole family is revoked.
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 401


async def test_logout_revokes_the_refresh_token(client: httpx.AsyncClient, world: World) -> None:
    token = (await _login(client, "agent.b@pytake.test")).json()["token"]
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": token["refresh_token"]})
    assert r.status_code == 200
    assert r.json() == {"status": "logged_out"}
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": token["refresh_token"]})
    assert r.status_code == 401
    # Logging out twice is harmless; an access token is not a refresh token.
    again = await client.post("/api/v1/auth/logout", json={"refresh_token": token["refresh_token"]})
    assert again.status_code == 200
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": token["access_token"]})
    assert r.status_code == 401


async def test_me_needs_a_valid_access_token(client: httpx.AsyncClient, world: World) -> None:
    token = (await _login(client, "agent.a@pytake.test")).json()["token"]
    forged = jwt.encode(
        {"sub": str(world.users["agent@a"]), "type": "access"}, "other-secret-that-is-long-enough"
    )
    expired = jwt.encode(
        {
            "sub": str(world.users["agent@a"]),
            "type": "access",
            "exp": 1,
            "jti": "7d7b9c1e-6d1f-4a57-9a43-0ef0c1a1a111",
            "iss": "pytake",
            "aud": "pytake-api",
        },
        JWT_SECRET,
    )
    # The right key, but no issuer or audience, or another service's.
    claims = jwt.decode(
        token["access_token"], JWT_SECRET, algorithms=["HS256"], audience="pytake-api"
    )
    unscoped = jwt.encode({k: v for k, v in claims.items() if k not in ("iss", "aud")}, JWT_SECRET)
    elsewhere = jwt.encode({**claims, "aud": "billing-api"}, JWT_SECRET)
    foreign = jwt.encode({**claims, "iss": "someone-else"}, JWT_SECRET)
    cases: list[tuple[dict[str, str], str]] = [
        ({}, "not_authenticated"),
        ({"Authorization": "Basic abc"}, "not_authenticated"),
        (bearer("garbage"), "invalid_token"),
        (bearer(forged), "invalid_token"),
        (bearer(unscoped), "invalid_token"),
        (bearer(elsewhere), "invalid_token"),
        (bearer(foreign), "invalid_token"),
        (bearer(expired), "token_expired"),
        (bearer(token["refresh_token"]), "invalid_token"),
    ]
    for headers, code in cases:
        r = await client.get("/api/v1/auth/me", headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["error"]["code"] == code
        assert r.headers["www-authenticate"] == "Bearer"


async def test_a_deactivated_account_cannot_log_in_nor_use_its_token(
    client: httpx.AsyncClient, world: World, pool: asyncpg.Pool
) -> None:
    token = (await _login(client, "viewer.b@pytake.test")).json()["token"]
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE analytics.users SET is_active = false WHERE id = $1", world.users["viewer@b"]
        )
    assert (await _login(client, "viewer.b@pytake.test")).status_code == 401
    r = await client.get("/api/v1/auth/me", headers=bearer(token["access_token"]))
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": token["refresh_token"]})
    assert r.status_code == 401


async def test_five_failures_lock_the_account_with_429_and_retry_after(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(5):
        assert (await _login(client, "agent.a@pytake.test", "wrong-password")).status_code == 401
    locked = await _login(client, "agent.a@pytake.test")  # even the right password
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    retry_after = int(locked.headers["retry-after"])
    assert 800 < retry_after <= 900
    assert locked.json()["error"]["retry_after"] == retry_after
    # Another account from the same client is not locked by it.
    assert (await _login(client, "agent.b@pytake.test")).status_code == 200


async def test_a_success_clears_the_account_failures(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(4):
        assert (await _login(client, "viewer.a@pytake.test", "wrong-password")).status_code == 401
    assert (await _login(client, "viewer.a@pytake.test")).status_code == 200
    for _ in range(4):
        assert (await _login(client, "viewer.a@pytake.test", "wrong-password")).status_code == 401
    assert (await _login(client, "viewer.a@pytake.test")).status_code == 200


async def test_the_limits_are_in_the_database_so_they_hold_across_instances(
    make_settings: Callable[..., AnalyticsSettings],
    pool: asyncpg.Pool,
    producer: Producer,
    world: World,
) -> None:
    settings = make_settings(
        AnalyticsSettings,
        jwt_secret=JWT_SECRET,
        pytake_config_key=CONFIG_KEY,
        login_max_failures_per_ip=3,
        **CHEAP,
    )
    apps: list[FastAPI] = [create_app(settings, pool, producer) for _ in range(2)]
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://analytics")
        for a in apps
    ]
    try:
        emails = ["agent.a@pytake.test", "viewer.a@pytake.test", "agent.b@pytake.test"]
        for c, email in zip([*clients, clients[0]], emails, strict=True):
            assert (await _login(c, email, "wrong-password")).status_code == 401
        # Three failures from this IP across both instances: the IP is now limited.
        r: Any = await _login(clients[1], "org_admin.a@pytake.test")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
    finally:
        for c in clients:
            await c.aclose()


async def test_malformed_login_bodies_are_400_without_echoing_the_input(
    client: httpx.AsyncClient, world: World
) -> None:
    for body in (
        b"not json",
        b"[]",
        b'{"email": "a@b.c"}',
        b'{"email": "a@b.c", "password": "secret\\u0000"}',
        b'{"email": "a\\ud800@b.c", "password": "x"}',
    ):
        r = await client.post(LOGIN, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["code"] == "invalid_request"
        assert "secret" not in r.text
