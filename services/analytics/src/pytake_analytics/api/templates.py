"""`/templates`: the organization's message templates, synchronised from its WABAs.

`POST /templates/sync` reads `GET /{waba-id}/message_templates` for every WABA of the
organization's numbers (with that number's token) and stores what Meta lists; analytics also
does it every `TEMPLATE_SYNC_INTERVAL_S`, and applies Meta's status and category webhooks in
between. Each template comes with the parameters a send must give (`requirements`: header,
body, buttons; `total`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel

from pytake_analytics.adapters import templates
from pytake_analytics.api.deps import Context, Ctx, CurrentUser, Page, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.models import Listing

router = APIRouter(prefix="/templates", tags=["templates"])


class TemplateOut(BaseModel):
    organization_id: uuid.UUID
    waba_id: str
    name: str
    language: str
    meta_id: str
    status: str
    category: str
    parameter_format: str
    components: list[dict[str, Any]]
    requirements: dict[str, Any]
    reason: str | None
    synced_at: datetime
    status_changed_at: datetime


class TemplatePage(Listing):
    templates: list[TemplateOut]


class SyncOut(BaseModel):
    synced: int
    removed: int
    wabas: list[str]
    errors: list[str]


async def sync_all(ctx: Context, org: uuid.UUID | None = None) -> templates.SyncReport:
    """Synchronise the templates of `org` (every organization when None)."""
    return await templates.sync(
        ctx.store.pool, ctx.store.outbox, ctx.template_source, ctx.box.open, ctx.clock(), org
    )


@router.get("/", response_model=TemplatePage, responses=errors())
async def list_templates(
    user: CurrentUser,
    ctx: Ctx,
    paging: Page,
    name: Annotated[str | None, Query(max_length=512)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
) -> TemplatePage:
    async with ctx.store.connect() as conn:
        rows, total = await templates.list_templates(
            conn,
            user.scope,
            name=name,
            status=status,
            language=language.replace("-", "_") if language else None,
            limit=paging.per_page,
            offset=paging.offset,
        )
    return TemplatePage(
        templates=[TemplateOut.model_validate(_decoded(r)) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


def _decoded(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("components", "requirements"):
        if isinstance(out[key], str):
            out[key] = orjson.loads(out[key])
    return out


@router.post("/sync", response_model=SyncOut, responses=errors(403, 422))
async def sync_templates(
    user: Writer, ctx: Ctx, organization_id: uuid.UUID | None = None
) -> SyncOut:
    # A super admin without `organization_id` synchronises every organization's WABAs.
    org = user.scope if organization_id is None else user.target_organization(organization_id)
    report = await sync_all(ctx, org)
    return SyncOut(
        synced=report.synced, removed=report.removed, wabas=report.wabas, errors=report.errors
    )
