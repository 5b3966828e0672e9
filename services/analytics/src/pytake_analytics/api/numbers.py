"""`/whatsapp`: the organization's WhatsApp business numbers.

`access_token` and `app_secret` are write-only: sealed with the config key before they are
stored, sealed on the config topic, and shown only as `has_access_token` / `has_app_secret`.
Changing `phone_number_id` (the routing key) tombstones the old key.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from pytake_analytics.adapters import chatbots, numbers, orgs
from pytake_analytics.api.deps import Ctx, CurrentUser, Page, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.models import Body, Listing
from pytake_analytics.domain.errors import NotFound, Unprocessable
from pytake_analytics.domain.values import check_secret
from pytake_shared.config import entity_key
from pytake_shared.secrets import SecretBox

router = APIRouter(prefix="/whatsapp", tags=["whatsapp numbers"])

# Meta's ids are digits; a colon would break `<phone_number_id>:<contact>` conversation keys.
PhoneNumberId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
WebhookToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,128}$")]
Secret = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(check_secret)]
Short = Annotated[str, Field(max_length=200)]
WabaId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,32}$")]
Tier = Annotated[int, Field(ge=1, le=10_000, description="messages/s (Meta's 80 or 1,000)")]


class NumberCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "phone_number_id": "106540352242922",
                    "phone_number": "+1 555 010 0001",
                    "display_name": "Acme Pizza",
                    "access_token": "EAAG...",
                    "app_secret": "your-meta-app-secret",
                }
            ]
        }
    )

    phone_number_id: PhoneNumberId
    phone_number: Short = ""
    display_name: Short = ""
    access_token: Secret | None = None
    app_secret: Secret | None = None
    webhook_verify_token: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    webhook_token: WebhookToken | None = Field(default=None, description="generated when absent")
    default_chatbot_id: uuid.UUID | None = None
    is_active: bool = True
    waba_id: WabaId | None = Field(default=None, description="its WhatsApp Business Account")
    messages_per_second: Tier | None = None
    organization_id: uuid.UUID | None = Field(default=None, description="super_admin only")


class NumberUpdate(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"display_name": "Acme Pizza (day shift)"}]}
    )

    phone_number_id: PhoneNumberId = ""
    phone_number: Short = ""
    display_name: Short = ""
    access_token: Secret | None = Field(default=None, description="null removes it")
    app_secret: Secret | None = Field(default=None, description="null removes it")
    webhook_verify_token: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    webhook_token: WebhookToken = ""
    default_chatbot_id: uuid.UUID | None = None
    is_active: bool = True
    waba_id: WabaId | None = None
    messages_per_second: Tier | None = None


class NumberOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    phone_number_id: str
    phone_number: str
    display_name: str
    has_access_token: bool
    has_app_secret: bool
    webhook_verify_token: str | None
    webhook_token: str | None
    default_chatbot_id: uuid.UUID | None
    is_active: bool
    waba_id: str | None = None
    messages_per_second: int | None = None
    created_at: datetime
    updated_at: datetime


class NumberPage(Listing):
    numbers: list[NumberOut]


def _missing() -> NotFound:
    return NotFound("number not found")


def _out(row: Any) -> NumberOut:
    return NumberOut.model_validate(numbers.public(row))


async def _check_chatbot(conn: Any, org: uuid.UUID, chatbot_id: uuid.UUID | None) -> None:
    if chatbot_id is not None and await chatbots.get_chatbot(conn, org, chatbot_id) is None:
        raise Unprocessable(
            "default_chatbot_id is not a chatbot of this organization",
            code="invalid_reference",
            field="default_chatbot_id",
        )


def _sealed(box: SecretBox, changes: dict[str, Any]) -> dict[str, Any]:
    return {k: box.seal(v) if k in numbers.SECRETS else v for k, v in changes.items()}


@router.get("/", response_model=NumberPage, responses=errors())
async def list_numbers(user: CurrentUser, ctx: Ctx, paging: Page) -> NumberPage:
    async with ctx.store.connect() as conn:
        rows, total = await numbers.list_numbers(
            conn, user.scope, limit=paging.per_page, offset=paging.offset
        )
    return NumberPage(
        numbers=[NumberOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("/", response_model=NumberOut, status_code=201, responses=errors(403, 409, 422))
async def create_number(body: NumberCreate, user: Writer, ctx: Ctx) -> NumberOut:
    org = user.target_organization(body.organization_id)
    fields = body.model_dump(exclude={"organization_id"})
    fields["organization_id"] = org
    fields["webhook_token"] = body.webhook_token or secrets.token_urlsafe(24)
    async with ctx.store.transaction() as conn:
        if not await orgs.org_exists(conn, org):
            raise Unprocessable(
                "no such organization", code="invalid_reference", field="organization_id"
            )
        await _check_chatbot(conn, org, body.default_chatbot_id)
        row = await numbers.create_number(conn, _sealed(ctx.box, fields))
        await ctx.store.outbox.stage_number(conn, row["id"])
    return _out(row)


@router.get("/{number_id}", response_model=NumberOut, responses=errors(404))
async def get_number(number_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> NumberOut:
    async with ctx.store.connect() as conn:
        row = await numbers.get_number(conn, user.scope, number_id)
    if row is None:
        raise _missing()
    return _out(row)


@router.put("/{number_id}", response_model=NumberOut, responses=errors(403, 404, 409, 422))
async def update_number(
    number_id: uuid.UUID, body: NumberUpdate, user: Writer, ctx: Ctx
) -> NumberOut:
    changes = body.changes()
    async with ctx.store.transaction() as conn:
        current = await numbers.get_number(conn, user.scope, number_id, lock=True)
        if current is None:
            raise _missing()
        if "default_chatbot_id" in changes:
            await _check_chatbot(conn, current["organization_id"], body.default_chatbot_id)
        row = await numbers.update_number(conn, number_id, _sealed(ctx.box, changes))
        if row["phone_number_id"] != current["phone_number_id"]:
            await ctx.store.outbox.tombstone(conn, entity_key("number", current["phone_number_id"]))
        await ctx.store.outbox.stage_number(conn, number_id)
    return _out(row)


@router.delete("/{number_id}", status_code=204, response_class=Response, responses=errors(403, 404))
async def delete_number(number_id: uuid.UUID, user: Writer, ctx: Ctx) -> Response:
    async with ctx.store.transaction() as conn:
        current = await numbers.get_number(conn, user.scope, number_id, lock=True)
        if current is None:
            raise _missing()
        await numbers.delete_number(conn, number_id)
        await ctx.store.outbox.tombstone(conn, entity_key("number", current["phone_number_id"]))
    return Response(status_code=204)
