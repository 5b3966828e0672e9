"""`/broadcasts`: an approved template sent to a list of contacts, paced, with outcomes.

Create (writers only) names a number of the organization (`number_id`), an APPROVED template
of that number's WABA (`template_name`, `language`) and the recipients, as JSON
(`recipients`) or as a CSV text (`csv`, see `domain.broadcasts`). Every recipient is checked
against the template first: a list that cannot be sent is a 422 naming the problems. The
broadcast starts at once (`running`); analytics' runner dispatches it at
`BROADCAST_RATE_SHARE` of the number's rate. `pause`, `resume` and `cancel` act before the
next tick. `GET /broadcasts/{id}` has the counts (pending, queued, accepted, delivered, read,
failed, skipped, cancelled), `/recipients` each one's outcome with Meta's error code.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from pytake_analytics.adapters import broadcasts, numbers, templates
from pytake_analytics.api.deps import Ctx, CurrentUser, Page, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.models import Body, Listing, Name
from pytake_analytics.domain.broadcasts import BadRecipients, Recipient, parse_csv, plan
from pytake_analytics.domain.errors import Conflict, NotFound, Unprocessable
from pytake_shared.templates import Requirements, normalize_language

router = APIRouter(prefix="/broadcasts", tags=["broadcasts"])

Text = Annotated[str, Field(max_length=2000)]


class RecipientIn(Body):
    phone: Annotated[str, Field(min_length=1, max_length=40)]
    body: list[Text] | dict[str, Text] = Field(default_factory=list)
    header: Text | None = None
    buttons: dict[int, Text] = Field(default_factory=dict)


class BroadcastCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "May promo",
                    "number_id": "0b1c3f0e-5d2a-4c1e-9a0f-1e2d3c4b5a69",
                    "template_name": "order_update",
                    "language": "en_US",
                    "recipients": [
                        {"phone": "+5511999990001", "header": "42", "body": ["Ada", "42"]}
                    ],
                }
            ]
        }
    )

    name: Name
    number_id: uuid.UUID
    template_name: Annotated[str, Field(min_length=1, max_length=512)]
    language: Annotated[str, Field(min_length=2, max_length=16)] = "en_US"
    recipients: list[RecipientIn] | None = None
    csv: Annotated[str, Field(max_length=20_000_000)] | None = None


class BroadcastOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    number_id: uuid.UUID
    phone_number_id: str
    waba_id: str
    name: str
    template_name: str
    language: str
    status: str
    status_reason: str | None
    total: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = Field(default_factory=dict)
    repeated: int = 0


class BroadcastPage(Listing):
    broadcasts: list[BroadcastOut]


class RecipientOut(BaseModel):
    position: int
    wa_id: str
    outcome: str
    outbound_id: str
    skip_reason: str | None
    wamid: str | None
    error_code: int | None
    error_reason: str | None
    queued_at: datetime | None
    accepted: datetime | None
    delivered: datetime | None
    read: datetime | None


class RecipientPage(Listing):
    recipients: list[RecipientOut]


def _missing() -> NotFound:
    return NotFound("broadcast not found")


async def _out(conn: Any, row: Any, repeated: int = 0) -> BroadcastOut:
    counts = await broadcasts.counts(conn, row["id"])
    return BroadcastOut.model_validate({**dict(row), "counts": counts, "repeated": repeated})


def _recipients(body: BroadcastCreate) -> list[Recipient]:
    if (body.recipients is None) == (body.csv is None):
        raise Unprocessable("give either recipients or csv", field="recipients")
    if body.csv is not None:
        return parse_csv(body.csv)
    return [Recipient(r.phone, r.body, r.header, r.buttons) for r in body.recipients or []]


@router.post("/", response_model=BroadcastOut, status_code=201, responses=errors(403, 404, 422))
async def create_broadcast(body: BroadcastCreate, user: Writer, ctx: Ctx) -> BroadcastOut:
    language = normalize_language(body.language)
    async with ctx.store.transaction() as conn:
        number = await numbers.get_number(conn, user.scope, body.number_id)
        if number is None:
            raise Unprocessable("no such number", code="invalid_reference", field="number_id")
        if not number["waba_id"]:
            raise Unprocessable("the number has no waba_id", field="number_id")
        org = number["organization_id"]
        template = await templates.get_template(
            conn, org, number["waba_id"], body.template_name, language
        )
        if template is None or template["status"] != "APPROVED":
            state = "unknown" if template is None else template["status"]
            raise Unprocessable(
                f"template {body.template_name} ({language}) is {state}: only APPROVED "
                "templates of the number's WABA can be broadcast (POST /templates/sync?)",
                code="template_not_sendable",
                field="template_name",
            )
        components = template["components"]
        components = orjson.loads(components) if isinstance(components, str) else components
        need = template["requirements"]
        need = Requirements.from_json(orjson.loads(need) if isinstance(need, str) else need)
        try:
            planned, repeated = plan(need, components, _recipients(body))
        except BadRecipients as exc:
            raise Unprocessable(str(exc), code="invalid_recipients", problems=exc.problems) from exc
        if not planned:
            raise Unprocessable("no recipients", field="recipients")
        if len(planned) > ctx.settings.broadcast_max_recipients:
            raise Unprocessable(
                f"at most {ctx.settings.broadcast_max_recipients} recipients", field="recipients"
            )
        fields = {
            "organization_id": org,
            "number_id": number["id"],
            "phone_number_id": number["phone_number_id"],
            "waba_id": number["waba_id"],
            "name": body.name,
            "template_name": body.template_name,
            "language": language,
            "created_by": user.user_id,
        }
        row = await broadcasts.create(conn, fields, planned)
        return await _out(conn, row, repeated)


@router.get("/", response_model=BroadcastPage, responses=errors())
async def list_broadcasts(user: CurrentUser, ctx: Ctx, paging: Page) -> BroadcastPage:
    async with ctx.store.connect() as conn:
        rows, total = await broadcasts.list_broadcasts(
            conn, user.scope, limit=paging.per_page, offset=paging.offset
        )
        out = [await _out(conn, r) for r in rows]
    return BroadcastPage(broadcasts=out, total=total, page=paging.page, per_page=paging.per_page)


@router.get("/{broadcast_id}", response_model=BroadcastOut, responses=errors(404))
async def get_broadcast(broadcast_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> BroadcastOut:
    async with ctx.store.connect() as conn:
        row = await broadcasts.get(conn, user.scope, broadcast_id)
        if row is None:
            raise _missing()
        return await _out(conn, row)


@router.get("/{broadcast_id}/recipients", response_model=RecipientPage, responses=errors(404))
async def list_recipients(
    broadcast_id: uuid.UUID, user: CurrentUser, ctx: Ctx, paging: Page
) -> RecipientPage:
    async with ctx.store.connect() as conn:
        row = await broadcasts.get(conn, user.scope, broadcast_id)
        if row is None:
            raise _missing()
        found = await broadcasts.recipients(
            conn, broadcast_id, limit=paging.per_page, offset=paging.offset
        )
    return RecipientPage(
        recipients=[RecipientOut.model_validate(r) for r in found],
        total=row["total"],
        page=paging.page,
        per_page=paging.per_page,
    )


_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "pause": (frozenset({"running"}), "paused"),
    "resume": (frozenset({"paused"}), "running"),
    "cancel": (frozenset({"running", "paused"}), "cancelled"),
}


async def _move(
    broadcast_id: uuid.UUID, user: Any, ctx: Any, action: Literal["pause", "resume", "cancel"]
) -> BroadcastOut:
    allowed, target = _MOVES[action]
    async with ctx.store.transaction() as conn:
        row = await broadcasts.get(conn, user.scope, broadcast_id, lock=True)
        if row is None:
            raise _missing()
        if row["status"] not in allowed:
            raise Conflict(f"a {row['status']} broadcast cannot {action}", code="wrong_status")
        row = await broadcasts.set_status(conn, broadcast_id, target, f"{action} by {user.email}")
        return await _out(conn, row)


@router.post("/{broadcast_id}/pause", response_model=BroadcastOut, responses=errors(403, 404, 409))
async def pause_broadcast(broadcast_id: uuid.UUID, user: Writer, ctx: Ctx) -> BroadcastOut:
    return await _move(broadcast_id, user, ctx, "pause")


@router.post("/{broadcast_id}/resume", response_model=BroadcastOut, responses=errors(403, 404, 409))
async def resume_broadcast(broadcast_id: uuid.UUID, user: Writer, ctx: Ctx) -> BroadcastOut:
    return await _move(broadcast_id, user, ctx, "resume")


@router.post("/{broadcast_id}/cancel", response_model=BroadcastOut, responses=errors(403, 404, 409))
async def cancel_broadcast(broadcast_id: uuid.UUID, user: Writer, ctx: Ctx) -> BroadcastOut:
    return await _move(broadcast_id, user, ctx, "cancel")
