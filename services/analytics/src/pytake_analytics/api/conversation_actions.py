"""Agent actions on a conversation: send, assign (take over), close, resume, restart (agents
and admins; viewers read).

Each publishes a command on conversation.commands.v1 keyed by the conversation key and
answers 202: the executor applies it in order with the contact's messages. The checks here
(window, status) read the projection; the executor checks again when it applies the command
and records a `command_ignored` when it no longer applies.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header

from pytake_analytics.adapters import conversations as rows
from pytake_analytics.adapters import flows as flow_rows
from pytake_analytics.adapters import users as user_rows
from pytake_analytics.api.conversation_models import (
    AssignIn,
    CloseIn,
    CommandOut,
    RestartIn,
    ResumeIn,
    SendIn,
)
from pytake_analytics.api.conversations import NumberQuery, PhonePath, resolve
from pytake_analytics.api.deps import Agent, Context, Ctx
from pytake_analytics.api.errors import errors
from pytake_analytics.domain.errors import Conflict, NotFound, Unprocessable
from pytake_analytics.domain.roles import Principal
from pytake_analytics.domain.window import window
from pytake_shared import contracts as c
from pytake_shared.contracts import commands

router = APIRouter(prefix="/conversations", tags=["conversations"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="a retried request with the same key publishes the same command once",
    ),
]


async def _publish(
    ctx: Context, conv: dict[str, Any], payload: commands.Command, idempotency_key: str | None
) -> CommandOut:
    env = await ctx.commands.publish(
        payload,
        key=conv["key"],
        organization_id=conv["organization_id"],
        now=ctx.clock(),
        idempotency_key=idempotency_key,
    )
    return CommandOut(
        command_id=env.id, type=env.type, conversation_id=conv["id"], conversation_key=conv["key"]
    )


async def _conversation(
    ctx: Context, user: Principal, phone: str, number: str | None
) -> dict[str, Any]:
    async with ctx.store.connect() as conn:
        conv, _ = await resolve(conn, user, phone, number)
        conv["last_inbound"] = await rows.last_inbound(conn, conv["organization_id"], conv["key"])
    return conv


@router.post(
    "/{phone}/send",
    response_model=CommandOut,
    status_code=202,
    responses=errors(403, 404, 409, 422),
)
async def send(
    phone: PhonePath,
    body: SendIn,
    user: Agent,
    ctx: Ctx,
    number: NumberQuery = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandOut:
    conv = await _conversation(ctx, user, phone, number)
    w = window(conv["last_inbound"], ctx.clock())
    if body.message is not None and not w.active:
        raise Unprocessable(
            "the 24-hour customer service window is closed (the contact last wrote more than "
            "24 hours ago): only an approved template can be sent until they write again",
            code="window_expired",
            window_status=w.status,
            template_required=True,
        )
    template = c.AgentTemplate.model_validate(body.template.model_dump()) if body.template else None
    payload = c.SendAgentMessage(
        organization_id=str(conv["organization_id"]),
        text=body.message,
        template=template,
        agent_id=str(user.user_id),
    )
    return await _publish(ctx, conv, payload, idempotency_key)


@router.post(
    "/{phone}/assign",
    response_model=CommandOut,
    status_code=202,
    responses=errors(403, 404, 409, 422),
)
async def assign(
    phone: PhonePath,
    user: Agent,
    ctx: Ctx,
    body: AssignIn | None = None,
    number: NumberQuery = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandOut:
    """Take the conversation (the default: assigned to you, and the bot pauses), give it to
    another agent (admins), or let it go (`release`)."""
    body = body or AssignIn()
    conv = await _conversation(ctx, user, phone, number)
    if conv["status"] == "closed":
        raise Conflict("a closed conversation cannot be assigned", code="closed")
    agent = None if body.release else body.agent_id or user.user_id
    if agent is not None and agent != user.user_id:
        user.require_writer()  # only admins hand conversations to others
        async with ctx.store.connect() as conn:
            target = await user_rows.get_user(conn, conv["organization_id"], agent)
        if target is None or not target["is_active"] or target["role"] == "viewer":
            raise Unprocessable(
                "assign to an active agent or admin of the conversation's organization",
                code="not_an_agent",
                field="agent_id",
            )
    payload = c.Assign(
        organization_id=str(conv["organization_id"]),
        agent_id=str(agent) if agent else None,
        takeover=body.takeover,
        by=str(user.user_id),
    )
    return await _publish(ctx, conv, payload, idempotency_key)


@router.post(
    "/{phone}/close", response_model=CommandOut, status_code=202, responses=errors(403, 404, 409)
)
async def close(
    phone: PhonePath,
    user: Agent,
    ctx: Ctx,
    body: CloseIn | None = None,
    number: NumberQuery = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandOut:
    conv = await _conversation(ctx, user, phone, number)
    if conv["status"] == "closed":
        raise Conflict("the conversation is already closed", code="already_closed")
    payload = c.Close(
        organization_id=str(conv["organization_id"]),
        reason=(body or CloseIn()).reason,
        agent_id=str(user.user_id),
    )
    return await _publish(ctx, conv, payload, idempotency_key)


@router.post(
    "/{phone}/resume", response_model=CommandOut, status_code=202, responses=errors(403, 404, 409)
)
async def resume(
    phone: PhonePath,
    user: Agent,
    ctx: Ctx,
    body: ResumeIn | None = None,
    number: NumberQuery = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandOut:
    conv = await _conversation(ctx, user, phone, number)
    if conv["status"] != "handoff":
        raise Conflict(
            f"only a conversation in handoff can be resumed (this one is {conv['status']})",
            code="not_in_handoff",
        )
    payload = c.Resume(
        organization_id=str(conv["organization_id"]),
        node_id=(body or ResumeIn()).node_id,
        agent_id=str(user.user_id),
    )
    return await _publish(ctx, conv, payload, idempotency_key)


@router.post(
    "/{phone}/restart",
    response_model=CommandOut,
    status_code=202,
    responses=errors(403, 404, 409, 422),
)
async def restart(
    phone: PhonePath,
    user: Agent,
    ctx: Ctx,
    body: RestartIn | None = None,
    number: NumberQuery = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandOut:
    """Close whatever runs and start the chatbot's main flow, or `flow_id`, from its start."""
    conv = await _conversation(ctx, user, phone, number)
    flow_id = (body or RestartIn()).flow_id
    if flow_id is not None:
        async with ctx.store.connect() as conn:
            flow = await flow_rows.get_flow(conn, conv["organization_id"], flow_id)
        if flow is None:
            raise NotFound("flow not found")
        if str(flow["chatbot_id"]) != conv["chatbot_id"]:
            raise Unprocessable(
                "the flow belongs to another chatbot than the conversation's",
                code="wrong_chatbot",
            )
        if flow["published_version"] is None:
            raise Conflict("the flow has no published version", code="not_published")
    payload = c.RestartFlow(
        organization_id=str(conv["organization_id"]),
        flow_id=str(flow_id) if flow_id else None,
        agent_id=str(user.user_id),
    )
    return await _publish(ctx, conv, payload, idempotency_key)
