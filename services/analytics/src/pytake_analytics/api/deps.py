"""Request dependencies: the service context, the authenticated caller, role checks, paging.

The caller is loaded from the database on every request (role, organization, active flag), so
a deactivated account or a changed role takes effect before its access token expires.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import httpx
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pytake_analytics.adapters import users
from pytake_analytics.adapters.commands import Commands
from pytake_analytics.adapters.history import ReadSlots
from pytake_analytics.adapters.live import LiveHub
from pytake_analytics.adapters.passwords import Passwords
from pytake_analytics.adapters.store import Store
from pytake_analytics.adapters.template_source import TemplateSource
from pytake_analytics.domain import tokens
from pytake_analytics.domain.addresses import Network, parse_networks
from pytake_analytics.domain.errors import Unauthorized
from pytake_analytics.domain.roles import Principal, Role
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared import egress_http
from pytake_shared.egress import EgressPolicy
from pytake_shared.secrets import SecretBox


@dataclass(frozen=True)
class Context:
    settings: AnalyticsSettings
    store: Store
    passwords: Passwords
    box: SecretBox
    clock: Callable[[], datetime]
    commands: Commands
    live: LiveHub | None = None

    @functools.cached_property
    def egress(self) -> EgressPolicy:
        return EgressPolicy.parse(self.settings.egress_allow)

    @functools.cached_property
    def flow_client(self) -> httpx.AsyncClient:
        """The simulator's client for flows' calls, behind the egress policy (made on first
        use: most deployments never let the simulator call out)."""
        return egress_http.guarded_client(self.egress)

    @functools.cached_property
    def template_source(self) -> TemplateSource:
        """Meta's template list (made on first use, in the running loop)."""
        s = self.settings
        return TemplateSource(s.graph_api_base_url, s.graph_api_version, s.graph_api_timeout_s)

    @functools.cached_property
    def history_slots(self) -> ReadSlots:
        return ReadSlots(self.settings.replay_concurrency_per_organization)

    @functools.cached_property
    def trusted_proxies(self) -> tuple[Network, ...]:
        return parse_networks(self.settings.trusted_proxies)


def get_context(request: Request) -> Context:
    ctx = request.app.state.pytake
    if not isinstance(ctx, Context):
        raise RuntimeError("the app was not built by create_app")
    return ctx


Ctx = Annotated[Context, Depends(get_context)]

_bearer = HTTPBearer(
    auto_error=False, description="The access token from `POST /api/v1/auth/login`."
)


async def current_user(
    ctx: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("a bearer access token is required")
    claims = tokens.read(
        credentials.credentials,
        secret=ctx.settings.jwt_secret,
        expected="access",
        now=ctx.clock(),
        issuer=ctx.settings.jwt_issuer,
        audience=ctx.settings.jwt_audience,
    )
    async with ctx.store.connect() as conn:
        row = await users.active_by_id(conn, claims.sub)
    if row is None:
        raise Unauthorized("the account is unknown or inactive", code="invalid_token")
    return Principal(row["id"], row["email"], Role(row["role"]), row["organization_id"])


CurrentUser = Annotated[Principal, Depends(current_user)]


async def writer(user: CurrentUser) -> Principal:
    user.require_writer()
    return user


async def super_admin(user: CurrentUser) -> Principal:
    user.require_super_admin()
    return user


async def agent(user: CurrentUser) -> Principal:
    user.require_agent()
    return user


Writer = Annotated[Principal, Depends(writer)]
Agent = Annotated[Principal, Depends(agent)]
SuperAdmin = Annotated[Principal, Depends(super_admin)]


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(
    page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=100, description="items per page (≤ 100)")] = 20,
) -> Paging:
    return Paging(page, per_page)


Page = Annotated[Paging, Depends(paging)]
