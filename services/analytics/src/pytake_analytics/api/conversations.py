"""`/conversations`: the conversation projection, read side.

A conversation is addressed by the contact's phone (its contact id). A contact who wrote to
several of the organization's numbers has a conversation on each: `number` (the
`phone_number_id`) picks one, and without it the request is ambiguous (409 listing them).
The projection follows the topics, so it may trail the executor by a moment.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Path, Query

from pytake_analytics.adapters import conversations as rows
from pytake_analytics.adapters import media as media_rows
from pytake_analytics.api.conversation_models import (
    ConversationDetail,
    ConversationPage,
    ConversationStatus,
    NumberId,
    Phone,
    WindowStatus,
    conversation_out,
    current_state,
    history_out,
    window_out,
)
from pytake_analytics.api.deps import Ctx, CurrentUser, Page
from pytake_analytics.api.errors import errors
from pytake_analytics.api.media_models import Links, media_ref
from pytake_analytics.domain.errors import Conflict, ManagementError, NotFound
from pytake_analytics.domain.roles import Principal
from pytake_analytics.domain.window import window

router = APIRouter(prefix="/conversations", tags=["conversations"])

PhonePath = Annotated[Phone, Path(description="the contact's phone (WhatsApp id)")]
NumberQuery = Annotated[
    NumberId | None,
    Query(description="the phone_number_id, when the contact wrote to several numbers"),
]


async def resolve(
    conn: asyncpg.Connection, user: Principal, phone: str, number: str | None
) -> tuple[dict[str, Any], list[str]]:
    """The contact's latest conversation on the chosen number, and every number it has one on."""
    contact_id = phone.removeprefix("+")
    found = await rows.latest_per_number(conn, user.scope, contact_id, None)
    numbers = sorted({r["phone_number_id"] for r in found})
    chosen = [r for r in found if number is None or r["phone_number_id"] == number]
    if not chosen:
        raise NotFound("no conversation with this contact" + (" on this number" if number else ""))
    if len(chosen) > 1:
        raise Conflict(
            "this contact has conversations on several numbers; pick one with ?number=",
            code="ambiguous_number",
            numbers=numbers,
        )
    return chosen[0], numbers


@router.get("", response_model=ConversationPage, responses=errors())
async def list_conversations(
    user: CurrentUser,
    ctx: Ctx,
    paging: Page,
    status: Annotated[ConversationStatus | None, Query()] = None,
    active_chatbot_id: Annotated[uuid.UUID | None, Query(description="the chatbot")] = None,
    chatbot_id: Annotated[uuid.UUID | None, Query(description="alias of active_chatbot_id")] = None,
    number: Annotated[NumberId | None, Query(description="phone_number_id")] = None,
    since: Annotated[datetime | None, Query(description="active at or after this time")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="part of the phone or the contact's name")
    ] = None,
    assigned: Annotated[
        str | None,
        Query(pattern=r"^(me|none|[0-9a-fA-F-]{36})$", description="me, none, or an agent's id"),
    ] = None,
    sort: Annotated[
        Literal["recent", "waiting"],
        Query(description="recent activity, or waiting for a human: priority, then longest wait"),
    ] = "recent",
    organization_id: Annotated[
        uuid.UUID | None, Query(description="super_admin only: one organization")
    ] = None,
) -> ConversationPage:
    since = utc(since)
    scope = user.target_organization(organization_id) if organization_id else user.scope
    agent = str(user.user_id) if assigned == "me" else assigned if assigned != "none" else None
    async with ctx.store.connect() as conn:
        found, total = await rows.list_conversations(
            conn,
            scope,
            status=status,
            chatbot_id=active_chatbot_id or chatbot_id,
            number=number,
            since=since,
            limit=paging.per_page,
            offset=paging.offset,
            search=q.strip() if q and q.strip() else None,
            assigned_to=agent.lower() if agent else None,
            unassigned=assigned == "none",
            order=sort,
        )
    return ConversationPage(
        conversations=[conversation_out(r) for r in found],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


def utc(value: datetime | None) -> datetime | None:
    """`value` in UTC (naive means UTC); a time that has no UTC equivalent is a 400."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ManagementError("since is out of range", field="since") from exc


@router.get("/{phone}", response_model=ConversationDetail, responses=errors(404, 409))
async def get_conversation(
    phone: PhonePath,
    user: CurrentUser,
    ctx: Ctx,
    number: NumberQuery = None,
    limit: Annotated[int, Query(ge=1, le=500, description="latest messages to return")] = 100,
) -> ConversationDetail:
    async with ctx.store.connect() as conn:
        conv, numbers = await resolve(conn, user, phone, number)
        org, key = conv["organization_id"], conv["key"]
        history = await rows.history(conn, org, key, limit)
        last = await rows.last_inbound(conn, org, key)
        inbound = [m["message_id"] for m in history if m["direction"] == "in" and m["message_id"]]
        media = await media_rows.for_messages(conn, org, inbound)
    links = Links(ctx.settings, ctx.clock())
    number = conv["phone_number_id"]
    return ConversationDetail(
        conversation=conversation_out(conv),
        current_state=current_state(conv),
        window=window_out(window(last, ctx.clock()), conv),
        messages=[
            history_out(
                m,
                media_ref(
                    m["body"] if isinstance(m["body"], dict) else {},
                    number,
                    media.get(m["message_id"]),
                    links,
                ),
            )
            if m["direction"] == "in"
            else history_out(m)
            for m in history
        ],
        numbers=numbers,
    )


@router.get("/{phone}/window-status", response_model=WindowStatus, responses=errors(404, 409))
async def window_status(
    phone: PhonePath, user: CurrentUser, ctx: Ctx, number: NumberQuery = None
) -> WindowStatus:
    async with ctx.store.connect() as conn:
        conv, _ = await resolve(conn, user, phone, number)
        last = await rows.last_inbound(conn, conv["organization_id"], conv["key"])
    return window_out(window(last, ctx.clock()), conv)
