"""`/conversations/{phone}/replay` and `/rerun`: a recorded conversation, step by step.

The same code as `pytake replay conversation`: the key's records read from the topics
(`adapters.history`), the engine's events folded with its own `evolve` into the state after
each (`pytake_shared.history`), and the re-run of the recorded commands on another published
version (`pytake_shared.rerun`), in memory, with nothing published or called. Only the
organization's own conversations are shown: the contact is resolved in the caller's scope, and
a conversation recorded on the same key by anyone else (a number that changed hands) is left
out; the flows a re-run may use are that organization's.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from pytake_analytics.adapters import conversations as conversation_rows
from pytake_analytics.adapters import flows as flow_rows
from pytake_analytics.adapters import history as records
from pytake_analytics.api.conversations import NumberQuery, PhonePath, resolve
from pytake_analytics.api.deps import Context, Ctx, CurrentUser
from pytake_analytics.api.errors import errors
from pytake_analytics.api.models import JsonOut
from pytake_analytics.domain.errors import NotFound, Unprocessable
from pytake_analytics.domain.roles import Principal
from pytake_shared import history, rerun
from pytake_shared.engine.engine import Flows
from pytake_shared.engine.flow import Flow, FlowError, load_flow
from pytake_shared.engine.state import ConversationState
from pytake_shared.history import Entry
from pytake_shared.summary import message_text, summarize

router = APIRouter(prefix="/conversations", tags=["conversations"])

ConversationQuery = Annotated[
    str | None,
    Query(max_length=128, description="one of the contact's conversations (default: the last)"),
]


class ReplayStepOut(BaseModel):
    n: int
    at: datetime | None
    type: str
    summary: str
    node_id: str | None
    state: JsonOut


class ReplayOut(BaseModel):
    key: str
    conversation_id: str
    conversations: list[str]
    flow_id: str | None
    flow_version: int | None
    steps: list[ReplayStepOut]


class RerunRowOut(BaseModel):
    n: int
    command: str
    recorded: list[str]
    rerun: list[str]
    same: bool
    note: str


class RerunOut(BaseModel):
    conversation_id: str
    recorded_flow: str
    target_flow: str
    first_divergence: int | None
    rows: list[RerunRowOut]


async def _target(
    ctx: Context, user: Principal, phone: str, number: str | None
) -> tuple[dict[str, Any], set[str]]:
    """The contact's conversation row on the number and the ids of every conversation the
    caller's scope has on that key."""
    async with ctx.store.connect() as conn:
        row, _ = await resolve(conn, user, phone, number)
        ids = await conversation_rows.ids_on_key(conn, user.scope, row["key"])
    return row, ids


async def _read(
    ctx: Context, conversation: dict[str, Any], *, commands: bool
) -> tuple[list[Entry], list[Entry]]:
    with ctx.history_slots.taken(str(conversation["organization_id"])):
        return await records.read(
            ctx.settings.kafka_bootstrap_servers,
            ctx.settings.topics,
            conversation["key"],
            commands=commands,
            timeout_s=ctx.settings.replay_timeout_s,
        )


def _shown(state: ConversationState, key: str, mine: set[str]) -> dict[str, Any]:
    """The state after a step; until the conversation's own start resets it, a state still
    holding a conversation outside the caller's scope (the number's previous owner) is shown
    as a fresh one."""
    if state.conversation_id is not None and state.conversation_id not in mine:
        state = ConversationState(key=key)
    return state.model_dump(mode="json")


def _chosen(steps: list[history.Step], mine: set[str], wanted: str | None) -> tuple[str, list[str]]:
    known = [c for c in history.conversations(steps) if c in mine]
    if not known:
        raise NotFound("no recorded history for this conversation (yet)")
    if wanted is not None and wanted not in known:
        raise NotFound(f"no conversation {wanted} with this contact")
    return wanted or known[-1], known


@router.get(
    "/{phone}/replay",
    response_model=ReplayOut,
    responses=errors(404, 409, 429, 503),
    summary="A conversation's recorded events, with the state after each",
)
async def replay_conversation(
    phone: PhonePath,
    user: CurrentUser,
    ctx: Ctx,
    number: NumberQuery = None,
    conversation_id: ConversationQuery = None,
) -> ReplayOut:
    row, mine = await _target(ctx, user, phone, number)
    key = row["key"]
    events, _ = await _read(ctx, row, commands=False)
    every = history.fold(key, events)  # folded once: the chosen conversation's are a slice
    chosen, known = _chosen(every, mine, conversation_id)
    theirs = (step for step in every if step.conversation_id == chosen)
    steps = [replace(step, number=n) for n, step in enumerate(theirs, start=1)]
    last = steps[-1].after
    return ReplayOut(
        key=key,
        conversation_id=chosen,
        conversations=known,
        flow_id=last.flow_id,
        flow_version=last.flow_version,
        steps=[
            ReplayStepOut(
                n=step.number,
                at=step.entry.time,
                type=step.event.type,
                summary=summarize(step.event.type, step.event.model_dump(mode="json")),
                node_id=getattr(step.event, "node_id", None) or step.after.current_node_id,
                state=_shown(step.after, key, mine),
            )
            for step in steps
        ],
    )


@router.post(
    "/{phone}/rerun",
    response_model=RerunOut,
    responses=errors(404, 409, 422, 429, 503),
    summary="Re-run a recorded conversation on another published version, in memory",
)
async def rerun_conversation(
    phone: PhonePath,
    user: CurrentUser,
    ctx: Ctx,
    version: Annotated[int, Query(ge=1, le=1_000_000, description="the version to re-run on")],
    number: NumberQuery = None,
    conversation_id: ConversationQuery = None,
    flow_id: Annotated[
        uuid.UUID | None, Query(description="the flow to re-run (default: the one it started)")
    ] = None,
) -> RerunOut:
    row, mine = await _target(ctx, user, phone, number)
    key = row["key"]
    events, commands = await _read(ctx, row, commands=True)
    chosen, _ = _chosen(history.fold(key, events), mine, conversation_id)
    lookup = await _organization_flows(ctx, row)
    try:
        result = rerun.rerun(
            key,
            events,
            commands,
            lookup,
            version=version,
            flow_id=str(flow_id) if flow_id else None,
            conversation_id=chosen,
        )
    except rerun.RerunError as exc:
        raise Unprocessable(str(exc), code="cannot_rerun") from None
    return RerunOut(
        conversation_id=result.conversation_id,
        recorded_flow=result.recorded_flow,
        target_flow=result.target_flow,
        first_divergence=result.first_divergence,
        rows=[
            RerunRowOut(
                n=r.number,
                command=rerun.describe(r.command),
                recorded=[message_text(m) for m in r.recorded],
                rerun=[message_text(m) for m in r.rerun],
                same=r.same,
                note=r.note,
            )
            for r in result.rows
        ],
    )


async def _organization_flows(ctx: Context, conversation: dict[str, Any]) -> Flows:
    """Every published version of the conversation's organization's flows, as the engine
    looks them up (the chatbot's main flow, a version, a jump's target)."""
    org = conversation["organization_id"]
    async with ctx.store.connect() as conn:
        language = await flow_rows.organization_language(conn, org)
        rows = await flow_rows.organization_versions(conn, org)
    versions: dict[tuple[str, int], Flow] = {}
    published: dict[str, tuple[str, Flow]] = {}  # flow id → (chatbot id, published version)
    main: dict[str, Flow] = {}
    for r in rows:
        try:
            flow = load_flow(str(r["id"]), r["version"], r["name"], r["document"], language)
            _ = flow.start
        except FlowError:
            continue
        versions[(flow.id, flow.version)] = flow
        if r["version"] == r["published_version"]:
            published[flow.id] = (str(r["chatbot_id"]), flow)
            if r["is_main"] and r["is_active"]:
                main[str(r["chatbot_id"])] = flow

    def by_id(chatbot_id: str, flow_id: str) -> Flow | None:
        owner, flow = published.get(flow_id, ("", None))
        return flow if owner == chatbot_id else None

    return Flows(
        main_flow=main.get,
        by_version=lambda flow_id, version: versions.get((flow_id, version)),
        by_id=by_id,
    )
