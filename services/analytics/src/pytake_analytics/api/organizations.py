"""`/organizations`: a super admin manages all of them; everyone else sees only their own,
and its org_admin may rename it and change its settings."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import ConfigDict, Field, field_validator

from pytake_analytics.adapters import orgs
from pytake_analytics.api.deps import Ctx, CurrentUser, Page, SuperAdmin, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.models import Body, JsonObject, Listing, Name, OrganizationOut
from pytake_analytics.domain.errors import NotFound
from pytake_shared.config import entity_key
from pytake_shared.flowdoc import texts

router = APIRouter(prefix="/organizations", tags=["organizations"])


SETTINGS_DOC = (
    "free-form; known keys: `language` (en, pt-BR or es: the texts the engine writes for flows "
    "without a language of their own), `rate_limit_per_minute`, `rate_limit_notice`"
)


class _OrganizationBody(Body):
    settings: JsonObject = Field(default={}, description=SETTINGS_DOC)

    @field_validator("settings")
    @classmethod
    def _language(cls, settings: dict[str, Any]) -> dict[str, Any]:
        language = settings.get("language")
        if language is None:
            return settings
        supported = texts.language(language)
        if supported is None:
            raise ValueError(f"language {language!r} is not one of {', '.join(texts.LANGUAGES)}")
        return {**settings, "language": supported}


class OrganizationCreate(_OrganizationBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Acme", "settings": {"language": "pt-BR"}}]}
    )

    name: Name
    is_active: bool = True


class OrganizationUpdate(_OrganizationBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Acme Pizza", "settings": {"language": "es", "rate_limit_per_minute": 10}}
            ]
        }
    )

    name: Name = ""
    is_active: bool = True


class OrganizationPage(Listing):
    organizations: list[OrganizationOut]


def _missing() -> NotFound:
    return NotFound("organization not found")


@router.get("", response_model=OrganizationPage, responses=errors())
async def list_organizations(user: CurrentUser, ctx: Ctx, paging: Page) -> OrganizationPage:
    async with ctx.store.connect() as conn:
        rows, total = await orgs.list_orgs(
            conn, user.scope, limit=paging.per_page, offset=paging.offset
        )
    return OrganizationPage(
        organizations=[OrganizationOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("", response_model=OrganizationOut, status_code=201, responses=errors(403))
async def create_organization(
    body: OrganizationCreate, user: SuperAdmin, ctx: Ctx
) -> OrganizationOut:
    async with ctx.store.transaction() as conn:
        row = await orgs.create_org(
            conn, name=body.name, is_active=body.is_active, settings=body.settings
        )
        await ctx.store.outbox.stage_org(conn, row["id"])
    return OrganizationOut.model_validate(row)


@router.get("/{org_id}", response_model=OrganizationOut, responses=errors(404))
async def get_organization(org_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> OrganizationOut:
    async with ctx.store.connect() as conn:
        row = await orgs.get_org(conn, user.scope, org_id)
    if row is None:
        raise _missing()
    return OrganizationOut.model_validate(row)


@router.patch("/{org_id}", response_model=OrganizationOut, responses=errors(403, 404))
async def update_organization(
    org_id: uuid.UUID, body: OrganizationUpdate, user: Writer, ctx: Ctx
) -> OrganizationOut:
    changes = body.changes()
    async with ctx.store.transaction() as conn:
        current = await orgs.get_org(conn, user.scope, org_id)
        if current is None:
            raise _missing()
        if changes.get("is_active", current["is_active"]) != current["is_active"]:
            # Only a super admin suspends or re-enables an organization.
            user.require_super_admin()
        row = await orgs.update_org(conn, user.scope, org_id, changes)
        if row is None:
            raise _missing()
        await ctx.store.outbox.stage_org(conn, org_id)
    return OrganizationOut.model_validate(row)


@router.delete(
    "/{org_id}", status_code=204, response_class=Response, responses=errors(403, 404, 409)
)
async def delete_organization(org_id: uuid.UUID, user: SuperAdmin, ctx: Ctx) -> Response:
    async with ctx.store.transaction() as conn:
        if not await orgs.delete_org(conn, org_id):
            raise _missing()
        await ctx.store.outbox.tombstone(conn, entity_key("org", str(org_id)))
    return Response(status_code=204)
