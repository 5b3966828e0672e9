"""`POST /flows/{id}/simulate`: run a draft or a version of a flow in memory, one input a call.

The engine is the executor's own (`pytake_analytics.domain.simulation`); nothing is published,
sent to Meta or recorded. A flow's `api_call` and `webhook` nodes get an error result ("not
made") unless the caller lets them make their call (`allow_http`, writers only): then it goes
through the same egress guard and client as the executor's (`pytake_shared.egress_http`), each
call within the smaller of its own timeout and the simulator's, and a few calls per input.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from pytake_analytics.adapters import flows
from pytake_analytics.api.deps import Context, Ctx, CurrentUser
from pytake_analytics.api.errors import errors
from pytake_analytics.api.flow_models import CanvasData
from pytake_analytics.api.models import Body, JsonObject, JsonOut
from pytake_analytics.domain import simulation as sim
from pytake_analytics.domain.errors import NotFound, Unprocessable
from pytake_analytics.domain.roles import Principal
from pytake_shared import egress_http
from pytake_shared.contracts.conversation_events import ApiCallRequested, WebhookRequested
from pytake_shared.engine.engine import Flows
from pytake_shared.engine.flow import Flow, FlowError, load_flow

router = APIRouter(prefix="/flows", tags=["flows"])

MAX_CALLS = 3  # HTTP calls made per input; past it they get an error result
CALL_TIMEOUT_S = 10
CALL_MAX_BYTES = 256 * 1024
NOT_MADE = "not made: the simulator makes HTTP calls only when allowed (allow_http)"
Text = Annotated[str, Field(max_length=4096)]
Id = Annotated[str, Field(max_length=256)]


class SimDocument(Body):
    canvas_data: CanvasData
    variables: JsonObject = {}
    inactivity_settings: JsonObject | None = None
    window_expiry_settings: JsonObject | None = None


class SimInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["start", "text", "button", "list", "timer"]
    text: Text | None = None
    id: Id | None = None
    title: Text | None = None
    timer_id: Id | None = None


class SimContact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(max_length=256)] = "Test contact"
    phone: Annotated[str, Field(pattern=r"^\+?[0-9]{5,20}$")] = "5500000000000"


class SimulateIn(Body):
    version: Annotated[int | None, Field(ge=1, le=1_000_000)] = None
    document: SimDocument | None = None
    state: JsonObject | None = None
    input: SimInput
    allow_http: bool = False
    contact: SimContact = SimContact()


class SimMessage(BaseModel):
    node_id: str | None
    type: str
    text: str
    buttons: list[dict[str, str]]
    list: JsonOut | None
    body: JsonOut


class SimStep(BaseModel):
    node_id: str
    node_type: str


class SimEvent(BaseModel):
    type: str
    summary: str


class SimCall(BaseModel):
    node_id: str | None
    kind: Literal["api_call", "webhook"]
    method: str
    url: str
    made: bool
    status: int | None
    error: str | None


class SimTimer(BaseModel):
    timer_id: str
    kind: str
    node_id: str | None
    in_seconds: int


class SimulateOut(BaseModel):
    state: JsonOut
    messages: list[SimMessage]
    steps: list[SimStep]
    events: list[SimEvent]
    calls: list[SimCall]
    variables: JsonOut
    current_node_id: str | None
    status: str
    close_reason: str | None
    timers: list[SimTimer]


async def _flows(
    ctx: Context, user: Principal, flow_id: uuid.UUID, body: SimulateIn
) -> tuple[dict[str, Any], Flows]:
    """The flow row and the engine's lookup: the flow to run and its chatbot's other flows."""
    async with ctx.store.connect() as conn:
        row = await flows.get_flow(conn, user.scope, flow_id)
        if row is None:
            raise NotFound("flow not found")
        language = await flows.organization_language(conn, row["organization_id"])
        if body.version is not None:
            version = await flows.get_version(conn, user.scope, flow_id, body.version)
            if version is None:
                raise NotFound(f"flow {flow_id} has no version {body.version}")
            document, number = version["document"], body.version
        elif body.document is not None:
            document, number = body.document.model_dump(exclude_none=True), 0
        else:
            document, number = row["document"], 0
        siblings = await flows.published_siblings(conn, row["chatbot_id"])
    flow = _load(str(flow_id), number, row["name"], document, language, strict=True)
    others = {
        str(s["id"]): f
        for s in siblings
        if str(s["id"]) != str(flow_id)
        and (f := _load(str(s["id"]), s["version"], s["name"], s["document"], language))
    }
    assert flow is not None
    return row, sim.flows_for(flow, others)


def _load(
    flow_id: str,
    version: int,
    name: str,
    document: Any,
    language: str | None,
    *,
    strict: bool = False,
) -> Flow | None:
    try:
        flow = load_flow(
            flow_id, version, name, document if isinstance(document, dict) else {}, language
        )
        _ = flow.start  # exactly one start node, or it cannot run at all
        return flow
    except FlowError as exc:
        if strict:
            raise Unprocessable(f"the flow cannot run: {exc}", code="invalid_flow") from None
        return None


@router.post(
    "/{flow_id}/simulate",
    response_model=SimulateOut,
    responses=errors(403, 404, 422),
    summary="Run one input of a simulated conversation through the engine, in memory",
)
async def simulate_flow(
    flow_id: uuid.UUID, body: SimulateIn, user: CurrentUser, ctx: Ctx
) -> SimulateOut:
    if body.allow_http:
        user.require_writer()  # the platform makes the call: not for read-only accounts
    row, lookup = await _flows(ctx, user, flow_id, body)
    key = sim.key_of(str(flow_id))
    now = int(ctx.clock().timestamp())
    inp = body.input
    phone = body.contact.phone.lstrip("+")
    try:
        session = None if body.state is None else sim.Session.load(body.state, key)
        session, command = sim.begin(
            session,
            key,
            sim.Input(inp.kind, inp.title or inp.text, inp.id, inp.timer_id),
            now,
            str(uuid.uuid4()),
            organization_id=str(row["organization_id"]),
            chatbot_id=str(row["chatbot_id"]),
            contact={
                "id": phone,
                "wa_id": phone,
                "name": body.contact.name,
            },
        )
    except sim.BadInput as exc:
        raise Unprocessable(str(exc), code="invalid_input") from None
    run = sim.Run(session)
    sim.apply(run, command, lookup)
    made = 0
    for _ in range(sim.MAX_ROUNDS):
        asked = run.asked()
        if not asked:
            break
        for request in asked:
            allowed = body.allow_http and made < MAX_CALLS
            made += allowed
            result = await _call(ctx, request) if allowed else _not_made(body.allow_http)
            sim.apply(run, sim.answer(run, request, result, str(uuid.uuid4())), lookup)
    return _out(run)


def _not_made(allowed: bool) -> sim.Result:
    why = f"not made: more than {MAX_CALLS} calls for one input" if allowed else NOT_MADE
    return sim.Result(None, None, why, made=False)


async def _call(ctx: Context, request: ApiCallRequested | WebhookRequested) -> sim.Result:
    data = request.model_dump(mode="json")
    data["timeout"] = min(CALL_TIMEOUT_S, int(data.get("timeout") or CALL_TIMEOUT_S))
    answer = await egress_http.flow_call(ctx.flow_client, ctx.egress, data, CALL_MAX_BYTES)
    body = egress_http.parsed_body(answer.body)
    return sim.Result(answer.status, body, answer.error, made=not answer.refused)


def _out(run: sim.Run) -> SimulateOut:
    state = run.session.state
    return SimulateOut(
        state=run.session.dump(),
        messages=[SimMessage.model_validate(sim.message_view(m)) for m in run.messages],
        steps=[SimStep(node_id=e.node_id, node_type=e.node_type) for e in run.steps],
        events=[SimEvent.model_validate(sim.describe(e)) for e in run.events],
        calls=[
            SimCall(
                node_id=request.node_id,
                kind="api_call" if isinstance(request, ApiCallRequested) else "webhook",
                method=request.method,
                url=request.url,
                made=result.made,
                status=result.status,
                error=result.error,
            )
            for request, result in run.calls
        ],
        variables=state.variables,
        current_node_id=state.current_node_id,
        status=state.status,
        close_reason=state.close_reason,
        timers=[SimTimer.model_validate(t) for t in sim.timers_view(run.session)],
    )
