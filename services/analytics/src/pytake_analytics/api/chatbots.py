"""`/chatbots`: an organization's chatbots and the numbers that default to each.

One fallback chatbot per organization (a second is a 409). Setting `whatsapp_number_ids`
makes this chatbot the default of exactly those numbers (of the same organization). Deleting
a chatbot deletes its flows (their versions are tombstoned) and releases its numbers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from pytake_analytics.adapters import chatbots, numbers, orgs
from pytake_analytics.adapters import flows as flow_rows
from pytake_analytics.api.deps import Context, Ctx, CurrentUser, Page, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.flow_models import FlowPage, flow_out
from pytake_analytics.api.models import Body, Description, JsonObject, JsonOut, Listing, Name
from pytake_analytics.domain.errors import NotFound, Unprocessable
from pytake_shared.config import entity_key

router = APIRouter(prefix="/chatbots", tags=["chatbots"])

NumberIds = Annotated[list[uuid.UUID], Field(max_length=100)]


class ChatbotCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Pizza orders", "description": "Takes orders", "is_fallback": True}
            ]
        }
    )

    name: Name
    description: Description = ""
    is_active: bool = True
    is_fallback: bool = False
    whatsapp_number_ids: NumberIds = []
    global_variables: JsonObject = {}
    settings: JsonObject = {}
    organization_id: uuid.UUID | None = Field(default=None, description="super_admin only")


class ChatbotUpdate(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Pizza orders", "is_active": True}]}
    )

    name: Name = ""
    description: Description = ""
    is_active: bool = True
    is_fallback: bool = False
    whatsapp_number_ids: NumberIds = []
    global_variables: JsonObject = {}
    settings: JsonObject = {}


class ChatbotOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    description: str
    is_active: bool
    is_fallback: bool
    whatsapp_number_ids: list[uuid.UUID]
    global_variables: JsonOut
    settings: JsonOut
    main_flow_id: uuid.UUID | None
    main_flow_version: int | None
    created_at: datetime
    updated_at: datetime


class ChatbotPage(Listing):
    chatbots: list[ChatbotOut]


def _missing() -> NotFound:
    return NotFound("chatbot not found")


async def _assign(
    ctx: Context, conn: Any, org: uuid.UUID, bot: uuid.UUID, ids: list[uuid.UUID]
) -> None:
    wanted = list(dict.fromkeys(ids))
    if await numbers.numbers_in_org(conn, org, wanted) != set(wanted):
        raise Unprocessable(
            "whatsapp_number_ids must be numbers of this organization",
            code="invalid_reference",
            field="whatsapp_number_ids",
        )
    for number_id in await numbers.assign_chatbot(conn, bot, wanted):
        await ctx.store.outbox.stage_number(conn, number_id)


async def _read(conn: Any, chatbot_id: uuid.UUID) -> ChatbotOut:
    row = await chatbots.get_chatbot(conn, None, chatbot_id)
    if row is None:
        raise _missing()
    return ChatbotOut.model_validate(row)


@router.get("", response_model=ChatbotPage, responses=errors())
async def list_chatbots(user: CurrentUser, ctx: Ctx, paging: Page) -> ChatbotPage:
    async with ctx.store.connect() as conn:
        rows, total = await chatbots.list_chatbots(
            conn, user.scope, limit=paging.per_page, offset=paging.offset
        )
    return ChatbotPage(
        chatbots=[ChatbotOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("", response_model=ChatbotOut, status_code=201, responses=errors(403, 409, 422))
async def create_chatbot(body: ChatbotCreate, user: Writer, ctx: Ctx) -> ChatbotOut:
    org = user.target_organization(body.organization_id)
    async with ctx.store.transaction() as conn:
        if not await orgs.org_exists(conn, org):
            raise Unprocessable(
                "no such organization", code="invalid_reference", field="organization_id"
            )
        bot = await chatbots.create_chatbot(conn, org, body.model_dump())
        if body.whatsapp_number_ids:
            await _assign(ctx, conn, org, bot, body.whatsapp_number_ids)
        await ctx.store.outbox.stage_chatbot(conn, bot)
        return await _read(conn, bot)


@router.get("/{chatbot_id}", response_model=ChatbotOut, responses=errors(404))
async def get_chatbot(chatbot_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> ChatbotOut:
    async with ctx.store.connect() as conn:
        row = await chatbots.get_chatbot(conn, user.scope, chatbot_id)
    if row is None:
        raise _missing()
    return ChatbotOut.model_validate(row)


@router.patch("/{chatbot_id}", response_model=ChatbotOut, responses=errors(403, 404, 409, 422))
async def update_chatbot(
    chatbot_id: uuid.UUID, body: ChatbotUpdate, user: Writer, ctx: Ctx
) -> ChatbotOut:
    changes = body.changes()
    number_ids = changes.pop("whatsapp_number_ids", None)
    async with ctx.store.transaction() as conn:
        org = await chatbots.lock_chatbot(conn, user.scope, chatbot_id)
        if org is None:
            raise _missing()
        await chatbots.update_chatbot(conn, chatbot_id, changes)
        if number_ids is not None:
            await _assign(ctx, conn, org, chatbot_id, number_ids)
        await ctx.store.outbox.stage_chatbot(conn, chatbot_id)
        return await _read(conn, chatbot_id)


@router.delete(
    "/{chatbot_id}", status_code=204, response_class=Response, responses=errors(403, 404)
)
async def delete_chatbot(chatbot_id: uuid.UUID, user: Writer, ctx: Ctx) -> Response:
    async with ctx.store.transaction() as conn:
        if await chatbots.lock_chatbot(conn, user.scope, chatbot_id) is None:
            raise _missing()
        versions, released = await chatbots.delete_chatbot(conn, chatbot_id)
        for flow_id, version in versions:
            await ctx.store.outbox.tombstone(conn, entity_key("flow", str(flow_id), version))
        for number_id in released:
            await ctx.store.outbox.stage_number(conn, number_id)
        await ctx.store.outbox.tombstone(conn, entity_key("chatbot", str(chatbot_id)))
    return Response(status_code=204)


@router.get("/{chatbot_id}/flows", response_model=FlowPage, responses=errors(404))
async def chatbot_flows(
    chatbot_id: uuid.UUID, user: CurrentUser, ctx: Ctx, paging: Page
) -> FlowPage:
    async with ctx.store.connect() as conn:
        if await chatbots.get_chatbot(conn, user.scope, chatbot_id) is None:
            raise _missing()
        rows, total = await flow_rows.list_flows(
            conn, user.scope, chatbot_id, limit=paging.per_page, offset=paging.offset
        )
    return FlowPage(
        flows=[flow_out(r) for r in rows], total=total, page=paging.page, per_page=paging.per_page
    )
