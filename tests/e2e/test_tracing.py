"""OpenTelemetry across the five services: one webhook's trace, hop by hop, received by an
OTLP/HTTP collector of the test's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from pytake_shared.testing.embedded import free_port
from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parent / "fixtures"
NUMBER = "100000000000001"


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, str]


class Collector:
    """An OTLP/HTTP trace receiver: what the services export, decoded."""

    def __init__(self) -> None:
        self.spans: list[Span] = []

    async def receive(self, request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.read())
        for resource_spans in export.resource_spans:
            attrs = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.spans.append(
                        Span(
                            service=attrs.get("service.name", ""),
                            name=span.name,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            attributes={
                                a.key: a.value.string_value or str(a.value.int_value)
                                for a in span.attributes
                            },
                        )
                    )
        body = ExportTraceServiceResponse().SerializeToString()
        return web.Response(body=body, content_type="application/x-protobuf")


@pytest.fixture
async def collector() -> AsyncIterator[tuple[str, Collector]]:
    found = Collector()
    app = web.Application()
    app.router.add_post("/v1/traces", found.receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", found
    finally:
        await runner.cleanup()


@pytest.fixture
def stack_env(collector: tuple[str, Collector]) -> dict[str, str]:
    """The stack's services export their spans to the test's collector, every 200 ms."""
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": collector[0], "OTEL_BSP_SCHEDULE_DELAY": "200"}


async def test_one_webhooks_trace_nests_hop_by_hop_through_every_service(
    stack: Stack, collector: tuple[str, Collector]
) -> None:
    _, found = collector
    config = stack.config
    try:
        body, headers = signed(
            config.app_secret, text_webhook(NUMBER, "5511966665555", "hi", wamid="wamid.otel.1")
        )
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(stack.webhook_url, content=body, headers=headers)
        assert response.status_code == 200

        def hop(service: str, name: str, trace_id: str | None = None) -> Span | None:
            return next(
                (
                    s
                    for s in found.spans
                    if s.service == service
                    and s.name.endswith(name)
                    and trace_id in (None, s.trace_id)
                ),
                None,
            )

        async with asyncio.timeout(60):
            while True:
                webhook = hop("pytake-ingress", "POST /api/v1/whatsapp/webhook")
                trace_id = webhook.trace_id if webhook else "-"
                hops = {
                    "router": hop("pytake-router", "wa.inbound.v1 process", trace_id),
                    "executor": hop(
                        "pytake-executor", "conversation.commands.v1 process", trace_id
                    ),
                    "sender": hop("pytake-sender", "wa.outbound.v1 process", trace_id),
                    "graph": hop("pytake-sender", "POST /{phone_number_id}/messages", trace_id),
                    "analytics": hop(
                        "pytake-analytics", "conversation.events.v1 process", trace_id
                    ),
                }
                if webhook and all(hops.values()):
                    break
                await asyncio.sleep(0.3)
    finally:
        # Stopped here, off the event loop, so the collector answers their last exports.
        await asyncio.to_thread(stack.stop)

    assert webhook is not None and webhook.parent_id == ""  # the trace starts at the webhook
    spans = {k: v for k, v in hops.items() if v is not None}
    # Each hop is a child of the one before it, across processes, through the record headers.
    assert spans["router"].parent_id == webhook.span_id
    assert spans["executor"].parent_id == spans["router"].span_id
    assert spans["sender"].parent_id == spans["executor"].span_id
    assert spans["graph"].parent_id == spans["sender"].span_id
    assert spans["analytics"].parent_id == spans["executor"].span_id
    assert spans["graph"].attributes["http.response.status_code"] == "200"
    assert (
        spans["router"].attributes["messaging.consumer.group.name"] == f"{config.namespace}.router"
    )
    # The database work of a hop appears under it.
    ids = {s.span_id for s in spans.values()}
    queries = [s for s in found.spans if s.trace_id == trace_id and s.parent_id in ids]
    assert any(s.attributes.get("db.system") in ("postgresql", "postgres") for s in queries), [
        (s.name, s.attributes) for s in queries
    ]
