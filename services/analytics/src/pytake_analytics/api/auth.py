"""`/auth`: login, refresh (rotating), logout, me.

Failed logins are limited in PostgreSQL (so the limits hold across instances) in a way that cannot
lock others out: per (account, address), 5 failures lock that account for that address only; per
account, 20 failures lock it for addresses it never logged in from (where its owner usually logs in
is unaffected); attempts on unknown accounts are throttled per address, which never blocks a real
account's right password. The address is the peer's, or a trusted proxy's `X-Forwarded-For`
(`domain/addresses.py`). An unknown email and a wrong password get the same answer after the same
work. Refresh tokens are recorded by `jti`: each refresh revokes the one presented, and presenting
a token that was already rotated away revokes every session of that user (it leaked).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pytake_analytics.adapters import auth, users
from pytake_analytics.api.deps import Context, Ctx, CurrentUser
from pytake_analytics.api.errors import errors
from pytake_analytics.api.models import Body, UserOut, user_out
from pytake_analytics.domain import tokens
from pytake_analytics.domain.addresses import client_address
from pytake_analytics.domain.errors import NotFound, TooManyAttempts, Unauthorized

router = APIRouter(prefix="/auth", tags=["auth"])

Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


class LoginIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "agent@acme.example", "password": "correct horse battery"}]
        }
    )

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RefreshIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."}]
        }
    )

    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds the access token stays valid")


class LoginOut(BaseModel):
    user: UserOut
    token: TokenOut


class LogoutOut(BaseModel):
    status: Literal["logged_out"] = "logged_out"


def _pair(ctx: Context, user: Any) -> tuple[TokenOut, tokens.Claims]:
    """A fresh access and refresh token for `user`, and the refresh token's claims."""
    s = ctx.settings
    common: dict[str, Any] = {
        "user_id": user["id"],
        "role": user["role"],
        "organization_id": user["organization_id"],
        "now": ctx.clock(),
        "secret": s.jwt_secret,
        "issuer": s.jwt_issuer,
        "audience": s.jwt_audience,
    }
    access, _ = tokens.issue("access", ttl_s=s.access_token_ttl_s, **common)
    refresh, claims = tokens.issue("refresh", ttl_s=s.refresh_token_ttl_s, **common)
    pair = TokenOut(access_token=access, refresh_token=refresh, expires_in=s.access_token_ttl_s)
    return pair, claims


def _read(ctx: Context, refresh_token: str) -> tokens.Claims:
    s = ctx.settings
    return tokens.read(
        refresh_token,
        secret=s.jwt_secret,
        expected="refresh",
        now=ctx.clock(),
        issuer=s.jwt_issuer,
        audience=s.jwt_audience,
    )


def _expiry(claims: tokens.Claims) -> datetime:
    return datetime.fromtimestamp(claims.exp, UTC)


@router.post("/login", response_model=LoginOut, responses=errors(401, 429))
async def login(body: LoginIn, request: Request, ctx: Ctx) -> LoginOut:
    s = ctx.settings
    email = body.email.lower()
    address = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        ctx.trusted_proxies,
    )
    pair = f"{email} {address}"
    async with ctx.store.connect() as conn:
        user = await users.active_by_email(conn, email)
        limits = [("pair", pair, s.login_max_failures_per_account_address)]
        if user is None:
            limits.append(("unknown", address, s.login_max_unknown_per_address))
        elif not await auth.is_known(conn, email, address, s.login_known_address_days):
            limits.append(("account", email, s.login_max_failures_per_account))
        attempt, wait_s = await auth.begin_attempt(conn, limits, s.login_window_s)
        throttled = (
            user is not None
            and await auth.failures(conn, "unknown", address, s.login_window_s)
            >= s.login_max_unknown_per_address
        )
    ok = await ctx.passwords.verify(user["password_hash"] if user else None, body.password)
    if wait_s or ((user is None or not ok) and throttled):
        # A throttled address gets 429 for a wrong password on a real account too, so the
        # answer never tells which e-mails exist.
        retry = wait_s or s.login_window_s
        raise TooManyAttempts("too many failed logins; retry later", retry_after_s=retry)
    if user is None or not ok:
        raise Unauthorized("invalid email or password", code="invalid_credentials")
    pair_, claims = _pair(ctx, user)
    async with ctx.store.connect() as conn, conn.transaction():
        await auth.succeeded(conn, attempt, email, address, pair)
        await auth.store_refresh(conn, claims.jti, user["id"], _expiry(claims))
        row = await users.get_user(conn, None, user["id"])
    if row is None:  # deleted in between
        raise Unauthorized("invalid email or password", code="invalid_credentials")
    return LoginOut(user=user_out(row), token=pair_)


@router.post("/refresh", response_model=TokenOut, responses=errors(401))
async def refresh(body: RefreshIn, ctx: Ctx) -> TokenOut:
    old = _read(ctx, body.refresh_token)
    pair: TokenOut | None = None
    async with ctx.store.connect() as conn:
        user = await users.active_by_id(conn, old.sub)
        if user is not None:
            pair, new = _pair(ctx, user)
            async with conn.transaction():
                if await auth.rotate_refresh(conn, old.jti, new.jti) == old.sub:
                    await auth.store_refresh(conn, new.jti, user["id"], _expiry(new))
                else:
                    pair = None
        if pair is None and await auth.was_rotated(conn, old.jti) == old.sub:
            # A token already rotated away is presented again: it leaked; end every session.
            await auth.revoke_all(conn, old.sub)
    if pair is None:
        raise Unauthorized("the refresh token is revoked or expired", code="invalid_token")
    return pair


@router.post("/logout", response_model=LogoutOut, responses=errors(401))
async def logout(body: RefreshIn, ctx: Ctx) -> LogoutOut:
    try:
        claims = _read(ctx, body.refresh_token)
    except Unauthorized as exc:
        if exc.code == "token_expired":
            return LogoutOut()  # nothing left to revoke
        raise
    async with ctx.store.connect() as conn:
        await auth.revoke_refresh(conn, claims.jti)
    return LogoutOut()


@router.get("/me", response_model=UserOut, responses=errors(401))
async def me(user: CurrentUser, ctx: Ctx) -> UserOut:
    async with ctx.store.connect() as conn:
        row = await users.get_user(conn, None, user.user_id)
    if row is None:
        raise NotFound("user not found")
    return user_out(row)
