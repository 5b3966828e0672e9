"""`/analytics`: conversation metrics, and per flow the node funnel and the delivery funnel.

Everything is read from the projections and scoped to the caller's organization; a flow of
another organization is a 404. `period` counts conversations started (messages queued) in the
last 24 hours, 7 or 30 days, or all.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from pytake_analytics.adapters import metrics as queries
from pytake_analytics.api.deps import Context, Ctx, CurrentUser
from pytake_analytics.api.errors import errors
from pytake_analytics.domain.errors import NotFound
from pytake_analytics.domain.metrics import (
    PERIODS,
    conversation_metrics,
    delivery_funnel,
    funnel,
    node_order,
)
from pytake_analytics.domain.roles import Principal

router = APIRouter(tags=["analytics"])

Period = Literal["24h", "7d", "30d", "all"]
PeriodQuery = Annotated[Period, Query(description="24h, 7d, 30d or all")]
VersionQuery = Annotated[
    int | None, Query(ge=1, le=1_000_000, description="a published version (default: current)")
]


class LatencyOut(BaseModel):
    samples: int
    avg: float | None
    p50: float | None
    p95: float | None


class MetricsOut(BaseModel):
    total_conversations: int
    completed_conversations: int
    completion_rate_percent: float
    avg_messages_per_conversation: float
    avg_conversation_duration_minutes: float
    handoff_conversations: int
    handoff_rate_percent: float
    unique_contacts: int
    first_response_latency_ms: LatencyOut


class FlowMetricsOut(MetricsOut):
    flow_id: str | None
    flow_name: str | None


class ConversationAnalyticsOut(BaseModel):
    period: Period
    since: datetime | None
    metrics: MetricsOut
    by_flow: list[FlowMetricsOut]


class NodeFunnelOut(BaseModel):
    node_id: str
    node_type: str
    entered: int
    visits: int
    left: int
    stopped_here: int
    still_here: int
    completed_here: int
    dropped_here: int
    drop_off_rate_percent: float


class FunnelOut(BaseModel):
    flow_id: uuid.UUID
    flow_version: int | None
    period: Period
    nodes: list[NodeFunnelOut]


class FailureOut(BaseModel):
    code: int | None
    count: int


class DeliveryOut(BaseModel):
    flow_id: uuid.UUID
    flow_version: int | None
    period: Period
    queued: int
    accepted: int
    delivered: int
    read: int
    failed: int
    accepted_rate_percent: float
    delivered_rate_percent: float
    read_rate_percent: float
    failed_rate_percent: float
    failures_by_code: list[FailureOut]


class FlowReportOut(BaseModel):
    flow_id: uuid.UUID
    flow_version: int | None
    period: Period
    metrics: MetricsOut
    nodes: list[NodeFunnelOut]
    delivery: DeliveryOut


def _since(ctx: Context, period: Period) -> datetime | None:
    delta = PERIODS[period]
    return None if delta is None else ctx.clock() - delta


@router.get("/analytics/conversations", response_model=ConversationAnalyticsOut, responses=errors())
async def conversation_analytics(
    user: CurrentUser, ctx: Ctx, period: PeriodQuery = "7d"
) -> ConversationAnalyticsOut:
    since = _since(ctx, period)
    async with ctx.store.connect() as conn:
        overall = await queries.totals(conn, user.scope, since)
        per_flow = await queries.totals_by_flow(conn, user.scope, since)
    return ConversationAnalyticsOut(
        period=period,
        since=since,
        metrics=MetricsOut.model_validate(conversation_metrics(overall)),
        by_flow=[
            FlowMetricsOut.model_validate(
                {**conversation_metrics(t), "flow_id": flow_id, "flow_name": name}
            )
            for flow_id, name, t in per_flow
        ],
    )


class _FlowReport:
    """One flow version's analytics, each part queried only when an endpoint asks for it."""

    def __init__(self, conn: Any, flow_id: uuid.UUID, version: int | None, since: Any) -> None:
        self._conn, self._flow_id, self.version, self._since = conn, str(flow_id), version, since

    async def nodes(self, document: Any) -> list[dict[str, Any]]:
        entered = await queries.node_entries(self._conn, self._flow_id, self.version, self._since)
        stops = await queries.node_stops(self._conn, self._flow_id, self.version, self._since)
        return funnel(node_order(document), entered, stops)

    async def delivery(self) -> dict[str, Any]:
        found = await queries.deliveries(self._conn, self._flow_id, self.version, self._since)
        return delivery_funnel(*found)

    async def metrics(self, scope: uuid.UUID | None) -> dict[str, Any]:
        totals = await queries.totals(self._conn, scope, self._since, self._flow_id)
        return conversation_metrics(totals)


@contextlib.asynccontextmanager
async def _flow_report(
    ctx: Context, user: Principal, flow_id: uuid.UUID, version: int | None, period: Period
) -> AsyncIterator[tuple[_FlowReport, Any]]:
    """The chosen version's report and document; 404 for a flow out of the caller's scope."""
    async with ctx.store.connect() as conn:
        found = await queries.flow_document(conn, user.scope, flow_id, version)
        if found is None:
            raise NotFound("flow not found")
        document, chosen = found
        yield _FlowReport(conn, flow_id, chosen, _since(ctx, period)), document


@router.get("/analytics/flows/{flow_id}/funnel", response_model=FunnelOut, responses=errors(404))
async def flow_funnel(
    flow_id: uuid.UUID,
    user: CurrentUser,
    ctx: Ctx,
    version: VersionQuery = None,
    period: PeriodQuery = "all",
) -> FunnelOut:
    async with _flow_report(ctx, user, flow_id, version, period) as (report, document):
        nodes = await report.nodes(document)
    return FunnelOut.model_validate(
        {"flow_id": flow_id, "flow_version": report.version, "period": period, "nodes": nodes}
    )


@router.get(
    "/analytics/flows/{flow_id}/delivery", response_model=DeliveryOut, responses=errors(404)
)
async def flow_delivery(
    flow_id: uuid.UUID,
    user: CurrentUser,
    ctx: Ctx,
    version: VersionQuery = None,
    period: PeriodQuery = "all",
) -> DeliveryOut:
    async with _flow_report(ctx, user, flow_id, version, period) as (report, _):
        delivery = await report.delivery()
    return DeliveryOut.model_validate(
        {**delivery, "flow_id": flow_id, "flow_version": report.version, "period": period}
    )


@router.get(
    "/whatsapp-analytics/flows/{flow_id}/report",
    response_model=FlowReportOut,
    responses=errors(404),
)
async def flow_report(
    flow_id: uuid.UUID,
    user: CurrentUser,
    ctx: Ctx,
    version: VersionQuery = None,
    period: PeriodQuery = "all",
) -> FlowReportOut:
    """The original per-flow report: the flow's conversation metrics, node funnel, deliveries."""
    async with _flow_report(ctx, user, flow_id, version, period) as (report, document):
        nodes, delivery = await report.nodes(document), await report.delivery()
        metrics = await report.metrics(user.scope)
    meta = {"flow_id": flow_id, "flow_version": report.version, "period": period}
    return FlowReportOut.model_validate(
        {
            **meta,
            "metrics": metrics,
            "nodes": nodes,
            "delivery": {**delivery, **meta},
        }
    )
