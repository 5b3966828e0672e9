"""`/flows`: drafts, validation, publishing immutable versions, activation.

Publishing validates the draft (422 with located errors when it cannot run), freezes it as
version n+1 and stages `flow:<id>@<n+1>` and the chatbot's snapshot (whose main flow version
moves when this is the main flow) in the same transaction. Every write locks the chatbot row
first: a flow's main/active/published state is part of the chatbot's snapshot.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from pytake_analytics.adapters import chatbots, flows
from pytake_analytics.api.deps import Ctx, CurrentUser, Page, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.flow_models import (
    DOCUMENT_FIELDS,
    FlowCreate,
    FlowOut,
    FlowPage,
    FlowUpdate,
    PublishOut,
    ValidationOut,
    VersionDocumentOut,
    VersionOut,
    VersionsOut,
    document,
    flow_out,
    issues,
    version_out,
)
from pytake_analytics.domain.errors import NotFound, Unprocessable
from pytake_analytics.domain.flowcheck import check
from pytake_shared.config import entity_key

router = APIRouter(prefix="/flows", tags=["flows"])


def _missing() -> NotFound:
    return NotFound("flow not found")


async def _locked(conn: Any, scope: uuid.UUID | None, flow_id: uuid.UUID) -> dict[str, Any]:
    """The flow, read again after its chatbot's row is locked."""
    flow = await flows.get_flow(conn, scope, flow_id)
    if flow is None:
        raise _missing()
    await chatbots.lock_chatbot(conn, None, flow["chatbot_id"])
    flow = await flows.get_flow(conn, scope, flow_id)
    if flow is None:
        raise _missing()
    return flow


@router.post("", response_model=FlowOut, status_code=201, responses=errors(403, 422))
async def create_flow(body: FlowCreate, user: Writer, ctx: Ctx) -> FlowOut:
    async with ctx.store.transaction() as conn:
        org = await chatbots.lock_chatbot(conn, user.scope, body.chatbot_id)
        if org is None:
            raise Unprocessable(
                "chatbot_id is not a chatbot of this organization",
                code="invalid_reference",
                field="chatbot_id",
            )
        fields = body.model_dump(
            include={"name", "description", "is_main", "is_fallback", "is_active"}
        )
        fields["document"] = document({}, {k: getattr(body, k) for k in DOCUMENT_FIELDS})
        row = await flows.create_flow(conn, org, body.chatbot_id, fields)
        if body.is_main:  # the previous main flow (if any) no longer is
            await ctx.store.outbox.stage_chatbot(conn, body.chatbot_id)
    return flow_out(row)


@router.get("", response_model=FlowPage, responses=errors())
async def list_flows(
    user: CurrentUser,
    ctx: Ctx,
    paging: Page,
    chatbot_id: Annotated[uuid.UUID | None, Query()] = None,
) -> FlowPage:
    async with ctx.store.connect() as conn:
        rows, total = await flows.list_flows(
            conn, user.scope, chatbot_id, limit=paging.per_page, offset=paging.offset
        )
    return FlowPage(
        flows=[flow_out(r) for r in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.get("/{flow_id}", response_model=FlowOut, responses=errors(404))
async def get_flow(flow_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> FlowOut:
    async with ctx.store.connect() as conn:
        row = await flows.get_flow(conn, user.scope, flow_id)
    if row is None:
        raise _missing()
    return flow_out(row)


@router.put("/{flow_id}", response_model=FlowOut, responses=errors(403, 404))
async def update_flow(flow_id: uuid.UUID, body: FlowUpdate, user: Writer, ctx: Ctx) -> FlowOut:
    changes = body.changes()
    edits = {k: changes.pop(k) for k in DOCUMENT_FIELDS if k in changes}
    async with ctx.store.transaction() as conn:
        flow = await _locked(conn, user.scope, flow_id)
        if edits:
            changes["document"] = document(flow["document"], edits)
        row = await flows.update_flow(conn, flow, changes)
        if {"is_main", "is_active"} & changes.keys():  # part of the chatbot's snapshot
            await ctx.store.outbox.stage_chatbot(conn, flow["chatbot_id"])
    return flow_out(row)


@router.delete("/{flow_id}", status_code=204, response_class=Response, responses=errors(403, 404))
async def delete_flow(flow_id: uuid.UUID, user: Writer, ctx: Ctx) -> Response:
    async with ctx.store.transaction() as conn:
        flow = await _locked(conn, user.scope, flow_id)
        for version in await flows.delete_flow(conn, flow_id):
            await ctx.store.outbox.tombstone(conn, entity_key("flow", str(flow_id), version))
        await ctx.store.outbox.stage_chatbot(conn, flow["chatbot_id"])
    return Response(status_code=204)


@router.post("/{flow_id}/validate", response_model=ValidationOut, responses=errors(404))
async def validate_flow(flow_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> ValidationOut:
    async with ctx.store.connect() as conn:
        flow = await flows.get_flow(conn, user.scope, flow_id)
        if flow is None:
            raise _missing()
        known_flows, known_variables = await flows.chatbot_context(conn, flow["chatbot_id"])
    report = check(flow["document"], known_flows, known_variables, ctx.egress)
    return ValidationOut(
        valid=report.ok, errors=issues(report.errors), warnings=issues(report.warnings)
    )


@router.post("/{flow_id}/publish", response_model=PublishOut, responses=errors(403, 404, 422))
async def publish_flow(flow_id: uuid.UUID, user: Writer, ctx: Ctx) -> PublishOut:
    async with ctx.store.transaction() as conn:
        flow = await _locked(conn, user.scope, flow_id)
        known_flows, known_variables = await flows.chatbot_context(conn, flow["chatbot_id"])
        report = check(flow["document"], known_flows, known_variables, ctx.egress)
        if not report.ok:
            raise Unprocessable(
                "the flow has errors; nothing was published",
                code="invalid_flow",
                errors=[i.model_dump() for i in issues(report.errors)],
                warnings=[i.model_dump() for i in issues(report.warnings)],
            )
        version, published_at = await flows.publish_flow(conn, flow, user.user_id)
        await ctx.store.outbox.stage_flow(conn, flow_id, version)
        await ctx.store.outbox.stage_chatbot(conn, flow["chatbot_id"])
    return PublishOut(
        id=flow_id, version=version, published_at=published_at, warnings=issues(report.warnings)
    )


@router.get("/{flow_id}/versions", response_model=VersionsOut, responses=errors(404))
async def list_versions(flow_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> VersionsOut:
    async with ctx.store.connect() as conn:
        if await flows.get_flow(conn, user.scope, flow_id) is None:
            raise _missing()
        rows = await flows.list_versions(conn, user.scope, flow_id)
    return VersionsOut(versions=[VersionOut.model_validate(r) for r in rows])


@router.get(
    "/{flow_id}/versions/{version}", response_model=VersionDocumentOut, responses=errors(404)
)
async def get_version(
    flow_id: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    user: CurrentUser,
    ctx: Ctx,
) -> VersionDocumentOut:
    async with ctx.store.connect() as conn:
        row = await flows.get_version(conn, user.scope, flow_id, version)
    if row is None:
        raise NotFound(f"flow {flow_id} has no version {version}")
    return version_out(row)


async def _set_active(flow_id: uuid.UUID, active: bool, user: Writer, ctx: Ctx) -> FlowOut:
    async with ctx.store.transaction() as conn:
        flow = await _locked(conn, user.scope, flow_id)
        row = await flows.update_flow(conn, flow, {"is_active": active})
        await ctx.store.outbox.stage_chatbot(conn, flow["chatbot_id"])
    return flow_out(row)


@router.post("/{flow_id}/activate", response_model=FlowOut, responses=errors(403, 404))
async def activate_flow(flow_id: uuid.UUID, user: Writer, ctx: Ctx) -> FlowOut:
    return await _set_active(flow_id, True, user, ctx)


@router.post("/{flow_id}/deactivate", response_model=FlowOut, responses=errors(403, 404))
async def deactivate_flow(flow_id: uuid.UUID, user: Writer, ctx: Ctx) -> FlowOut:
    return await _set_active(flow_id, False, user, ctx)
