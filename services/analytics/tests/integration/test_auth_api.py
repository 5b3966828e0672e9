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


def _from(
    app: FastAPI, address: str, *, headers: dict[str, str] | None = None
) -> httpx.AsyncClient:
    """A client whose connection comes from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://analytics", headers=headers)


async def test_five_failures_lock_the_account_for_that_address_only_with_429_and_retry_after(
    app: FastAPI, world: World
) -> None:
    async with _from(app, "203.0.113.7") as attacker, _from(app, "198.51.100.20") as owner:
        for _ in range(5):
            r = await _login(attacker, "agent.a@pytake.test", "wrong-password")
            assert r.status_code == 401
        locked = await _login(attacker, "agent.a@pytake.test")  # even the right password
        assert locked.status_code == 429
        assert locked.json()["error"]["code"] == "too_many_attempts"
        retry_after = int(locked.headers["retry-after"])
        assert 800 < retry_after <= 900
        assert locked.json()["error"]["retry_after"] == retry_after
        # The account itself is not locked: its owner, elsewhere, logs in.
        assert (await _login(owner, "agent.a@pytake.test")).status_code == 200
        # Nor is another account from the attacker's address.
        assert (await _login(attacker, "agent.b@pytake.test")).status_code == 200


async def test_failures_from_many_addresses_cannot_lock_the_owner_out_where_they_log_in(
    app: FastAPI, world: World
) -> None:
    async with _from(app, "198.51.100.20") as owner:
        assert (await _login(owner, "viewer.a@pytake.test")).status_code == 200  # known here
    for i in range(20):  # a distributed guess: 4 failures from each of 5 addresses
        async with _from(app, f"203.0.113.{i // 4}") as attacker:
            r = await _login(attacker, "viewer.a@pytake.test", "wrong-password")
            assert r.status_code == 401
    async with _from(app, "192.0.2.99") as stranger:
        # From an address the account never logged in from, the account is now locked...
        assert (await _login(stranger, "viewer.a@pytake.test")).status_code == 429
    async with _from(app, "198.51.100.20") as owner:
        # ...but not where its owner logs in.
        assert (await _login(owner, "viewer.a@pytake.test")).status_code == 200


async def test_unknown_accounts_are_throttled_per_address_without_blocking_real_logins(
    app: FastAPI, world: World
) -> None:
    """The attack: twenty failed logins from one address, any e-mails, used to lock everyone
    behind that address out (behind a proxy, everyone)."""
    async with _from(app, "203.0.113.50") as office:
        for i in range(20):
            r = await _login(office, f"nobody{i}@pytake.test", "guess")
            assert r.status_code == 401
        assert (await _login(office, "nobody@pytake.test", "guess")).status_code == 429
        # A wrong password on a real account also answers 429 there, so the address learns
        # nothing about which e-mails exist...
        assert (await _login(office, "agent.a@pytake.test", "guess")).status_code == 429
        # ...and every real account's right password still works from it.
        for email in ("agent.a@pytake.test", "viewer.a@pytake.test", "org_admin.b@pytake.test"):
            assert (await _login(office, email)).status_code == 200, email


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    make_settings: Callable[..., AnalyticsSettings],
    pool: asyncpg.Pool,
    producer: Producer,
    world: World,
) -> None:
    base = {"jwt_secret": JWT_SECRET, "pytake_config_key": CONFIG_KEY, **CHEAP}
    untrusted = create_app(make_settings(AnalyticsSettings, **base), pool, producer)
    # No proxy is trusted by default: a local client cannot spread its failures over made-up
    # addresses (nor make its victim's address take the blame).
    async with _from(untrusted, "127.0.0.1") as local:
        for i in range(5):
            local.headers["X-Forwarded-For"] = f"198.51.100.{i}"
            assert (await _login(local, "agent.b@pytake.test", "wrong")).status_code == 401
        assert (await _login(local, "agent.b@pytake.test")).status_code == 429
    behind_proxy = create_app(
        make_settings(AnalyticsSettings, trusted_proxies="10.0.0.0/8", **base), pool, producer
    )
    # Behind a trusted proxy, each client is its own address, the one the proxy appended
    # (whatever the client itself put to the left of it).
    for client_ip in ("198.51.100.7", "198.51.100.8"):
        forwarded = {"X-Forwarded-For": f"127.0.0.1, {client_ip}, 10.1.1.1"}
        async with _from(behind_proxy, "10.0.0.2", headers=forwarded) as proxied:
            for _ in range(5):
                r = await _login(proxied, "viewer.b@pytake.test", "wrong")
                assert r.status_code == 401
            assert (await _login(proxied, "viewer.b@pytake.test")).status_code == 429
    async with _from(behind_proxy, "10.0.0.2", headers={"X-Forwarded-For": "198.51.100.9"}) as c:
        assert (await _login(c, "viewer.b@pytake.test")).status_code == 200


async def test_a_success_clears_that_addresss_failures(
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
        login_max_failures_per_account_address=3,
        **CHEAP,
    )
    apps = [create_app(settings, pool, producer) for _ in range(2)]
    clients = [_from(a, "203.0.113.1") for a in apps]
    try:
        for c in [*clients, clients[0]]:
            assert (await _login(c, "agent.a@pytake.test", "wrong-password")).status_code == 401
        # Three failures from this address across both instances: the pair is now limited.
        r: Any = await _login(clients[1], "agent.a@pytake.test")
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
