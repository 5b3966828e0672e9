"""`/analytics` numbers on a known scripted dataset: conversation metrics per period and per
flow, the node funnel with drop-off, and the delivery funnel with failures by code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from pytake_analytics.projections import ProjectionHandler
from pytake_analytics.settings import AnalyticsSettings

from ..conftest import World
from ..scripted import T0, Feeder, Script

NOW = T0 + timedelta(hours=2)
FLOW = {
    "nodes": [
        {"id": "start", "type": "start", "data": {}},
        {"id": "ask", "type": "question", "data": {"content": "Pizza?", "variableName": "p"}},
        {"id": "bye", "type": "end", "data": {"content": "Bye"}},
        {"id": "h", "type": "handoff", "data": {}},
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "ask"},
        {"id": "e2", "source": "ask", "target": "bye"},
        {"id": "e3", "source": "ask", "target": "h", "sourceHandle": "invalid"},
    ],
}


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
async def flow_id(
    api: httpx.AsyncClient, world: World, settings: AnalyticsSettings, pool: asyncpg.Pool
) -> str:
    admin = world.headers("org_admin@a")
    bot = (await api.post("/api/v1/chatbots", json={"name": "B"}, headers=admin)).json()
    body = {"name": "Pizza", "chatbot_id": bot["id"], "canvas_data": FLOW}
    flow = (await api.post("/api/v1/flows", json=body, headers=admin)).json()
    r = await api.post(f"/api/v1/flows/{flow['id']}/publish", headers=admin)
    assert r.status_code == 200, r.text
    fid = str(flow["id"])

    def script(contact: str, start: Any) -> Script:
        return Script(world.org_a, contact=contact, flow_id=fid, start=start)

    c1 = (
        script("1", NOW - timedelta(hours=1)).start().node("start", "start").node("ask", "question")
    )
    q1 = c1.tick(2).send("Pizza?", node_id="ask")
    c1.wait("ask").tick(60).inbound("Margherita").node("bye", "end")
    bye = c1.send("Bye", node_id="bye")
    c1.tick(58).close("completed")
    for out in (q1, bye):
        c1.accepted(out)
        c1.status(out, "delivered")
    c1.status(q1, "read")

    c2 = (
        script("2", NOW - timedelta(hours=1)).start().node("start", "start").node("ask", "question")
    )
    q2 = c2.tick(4).send("Pizza?", node_id="ask")
    c2.wait("ask").tick(596).close("inactivity")
    c2.accepted(q2)
    c2.status(q2, "failed", 131047)

    c3 = (
        script("3", NOW - timedelta(minutes=30)).start().node("start", "start").node("h", "handoff")
    )
    soon = c3.tick(6).send("An agent soon", node_id="h")
    c3.handoff("h")
    c3.send_failed(soon, 131026)

    c4 = (
        script("4", NOW - timedelta(days=10)).start().node("start", "start").node("ask", "question")
    )
    q4 = c4.tick(1).send("Pizza?", node_id="ask")
    c4.tick(1).close("completed")
    c4.accepted(q4)
    c4.status(q4, "read")

    feeder = Feeder(ProjectionHandler(settings.topics, pool), settings.topics)
    await feeder.feed(c1.items + c2.items + c3.items + c4.items)
    return fid


async def test_conversation_metrics_for_a_period_and_by_flow(
    api: httpx.AsyncClient, world: World, flow_id: str
) -> None:
    r = await api.get(
        "/api/v1/analytics/conversations",
        params={"period": "7d"},
        headers=world.headers("viewer@a"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    expected = {
        "total_conversations": 3,
        "completed_conversations": 1,
        "completion_rate_percent": 33.33,
        "avg_messages_per_conversation": 2.67,  # (4 + 2 + 2) / 3
        "avg_conversation_duration_minutes": 4.03,  # (2 + 10 + 0.1) / 3
        "handoff_conversations": 1,
        "handoff_rate_percent": 33.33,
        "unique_contacts": 3,
        "first_response_latency_ms": {"samples": 3, "avg": 4000.0, "p50": 4000.0, "p95": 5800.0},
    }
    assert body["metrics"] == expected
    assert body["period"] == "7d"
    assert body["by_flow"] == [{**expected, "flow_id": flow_id, "flow_name": "Pizza"}]
    r = await api.get(
        "/api/v1/analytics/conversations",
        params={"period": "all"},
        headers=world.headers("viewer@a"),
    )
    assert r.json()["metrics"]["total_conversations"] == 4
    assert r.json()["metrics"]["completed_conversations"] == 2
    other = await api.get(
        "/api/v1/analytics/conversations",
        params={"period": "all"},
        headers=world.headers("viewer@b"),
    )
    assert other.json()["metrics"]["total_conversations"] == 0
    assert other.json()["by_flow"] == []
    bad = await api.get(
        "/api/v1/analytics/conversations", params={"period": "1y"}, headers=world.super
    )
    assert bad.status_code == 400


async def test_the_node_funnel_says_who_entered_left_and_stopped_where(
    api: httpx.AsyncClient, world: World, flow_id: str
) -> None:
    r = await api.get(f"/api/v1/analytics/flows/{flow_id}/funnel", headers=world.headers("agent@a"))
    assert r.status_code == 200, r.text
    assert r.json()["flow_version"] == 1
    nodes = {n["node_id"]: n for n in r.json()["nodes"]}
    assert list(nodes) == ["start", "ask", "bye", "h"]
    cols = ("entered", "left", "stopped_here", "still_here", "completed_here", "dropped_here")
    assert {k: tuple(n[c] for c in cols) for k, n in nodes.items()} == {
        "start": (4, 4, 0, 0, 0, 0),
        "ask": (3, 1, 2, 0, 1, 1),
        "bye": (1, 0, 1, 0, 1, 0),
        "h": (1, 0, 1, 1, 0, 0),
    }
    assert nodes["ask"]["drop_off_rate_percent"] == 33.33
    recent = await api.get(
        f"/api/v1/analytics/flows/{flow_id}/funnel", params={"period": "7d"}, headers=world.super
    )
    assert recent.json()["nodes"][0]["entered"] == 3


async def test_the_delivery_funnel_counts_each_stage_and_failures_by_code(
    api: httpx.AsyncClient, world: World, flow_id: str
) -> None:
    r = await api.get(
        f"/api/v1/analytics/flows/{flow_id}/delivery", headers=world.headers("viewer@a")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    got = {k: body[k] for k in ("queued", "accepted", "delivered", "read", "failed")}
    assert got == {"queued": 5, "accepted": 4, "delivered": 3, "read": 2, "failed": 2}
    assert (body["accepted_rate_percent"], body["read_rate_percent"]) == (80.0, 40.0)
    assert body["failures_by_code"] == [{"code": 131026, "count": 1}, {"code": 131047, "count": 1}]
    recent = await api.get(
        f"/api/v1/analytics/flows/{flow_id}/delivery", params={"period": "7d"}, headers=world.super
    )
    assert recent.json()["queued"] == 4
    report = await api.get(
        f"/api/v1/whatsapp-analytics/flows/{flow_id}/report", headers=world.headers("viewer@a")
    )
    assert report.status_code == 200, report.text
    assert report.json()["metrics"]["total_conversations"] == 4
    assert report.json()["delivery"]["queued"] == 5
    assert [n["node_id"] for n in report.json()["nodes"]] == ["start", "ask", "bye", "h"]


async def test_another_organizations_flow_is_not_found(
    api: httpx.AsyncClient, world: World, flow_id: str
) -> None:
    for path in (
        "analytics/flows/{}/funnel",
        "analytics/flows/{}/delivery",
        "whatsapp-analytics/flows/{}/report",
    ):
        r = await api.get(f"/api/v1/{path.format(flow_id)}", headers=world.headers("org_admin@b"))
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found"
