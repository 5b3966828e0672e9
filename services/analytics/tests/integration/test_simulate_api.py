"""The simulator (`POST /flows/{id}/simulate`) and published versions (`GET /flows/{id}/versions`).

The simulator runs the engine's own decide/evolve on the caller's flow in memory: a draft as
saved or as sent, or a version; the state goes back and forth through the caller; timers are
fast-forwarded; flows' HTTP calls are not made unless allowed, and then only through the
egress policy. Nothing of another organization is reachable.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..conftest import World


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data}


def edge(source: str, target: str, handle: str | None = None) -> dict[str, Any]:
    return {"id": f"{source}-{target}", "source": source, "target": target, "sourceHandle": handle}


PIZZA = {
    "nodes": [
        node("start", "start"),
        node(
            "size",
            "interactive_buttons",
            bodyText="Which size, {{contact.name}}?",
            buttons=[{"id": "small", "title": "Small"}, {"id": "large", "title": "Large"}],
            variableName="size",
        ),
        node("name", "question", content="Your name?", variableName="who"),
        node(
            "check",
            "condition",
            conditions=[{"variable": "size", "operator": "==", "value": "large"}],
        ),
        node("big", "end", content="A large one for {{who}}"),
        node("small_end", "end", content="A small one for {{who}}"),
    ],
    "edges": [
        edge("start", "size"),
        edge("size", "name", "small"),
        edge("size", "name", "large"),
        edge("name", "check"),
        edge("check", "big", "true"),
        edge("check", "small_end", "false"),
    ],
}

DELAYED = {
    "nodes": [
        node("start", "start"),
        node("wait", "delay", delaySeconds=3600),
        node("done", "end", content="An hour later"),
    ],
    "edges": [edge("start", "wait"), edge("wait", "done")],
}

CALLING = {
    "nodes": [
        node("start", "start"),
        node("call", "api_call", url="http://127.0.0.1:9/orders", method="GET"),
        node("ok", "end", content="Found {{api_response.status}}"),
        node("ko", "end", content="The shop is closed"),
    ],
    "edges": [edge("start", "call"), edge("call", "ok", "success"), edge("call", "ko", "error")],
}


async def _flow(c: httpx.AsyncClient, w: World, canvas: Any, who: str = "org_admin@a") -> str:
    headers = w.headers(who)
    bot = await c.post("/api/v1/chatbots", json={"name": "Shop"}, headers=headers)
    body = {"name": "Order", "chatbot_id": bot.json()["id"], "canvas_data": canvas}
    r = await c.post("/api/v1/flows", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _sim(
    c: httpx.AsyncClient, w: World, flow: str, who: str = "org_admin@a", **body: Any
) -> httpx.Response:
    return await c.post(f"/api/v1/flows/{flow}/simulate", json=body, headers=w.headers(who))


async def test_a_draft_runs_input_by_input_with_the_state_kept_by_the_caller(
    client: httpx.AsyncClient, world: World
) -> None:
    flow = await _flow(client, world, PIZZA)
    r = await _sim(client, world, flow, input={"kind": "start"}, contact={"name": "Ana"})
    assert r.status_code == 200, r.text
    first = r.json()
    assert [s["node_id"] for s in first["steps"]] == ["start", "size"]
    [ask] = first["messages"]
    assert (ask["type"], ask["text"], ask["node_id"]) == ("interactive", "Which size, Ana?", "size")
    assert [b["title"] for b in ask["buttons"]] == ["Small", "Large"]
    assert (first["status"], first["current_node_id"]) == ("waiting", "size")

    tap = {"kind": "button", "id": "large", "title": "Large"}
    second = (await _sim(client, world, flow, state=first["state"], input=tap)).json()
    assert second["variables"]["size"] == "large"
    assert [m["text"] for m in second["messages"]] == ["Your name?"]
    third = (
        await _sim(client, world, flow, state=second["state"], input={"kind": "text", "text": "Bo"})
    ).json()
    assert [m["text"] for m in third["messages"]] == ["A large one for Bo"]
    assert (third["status"], third["close_reason"]) == ("closed", "completed")
    assert [s["node_id"] for s in third["steps"]] == ["check", "big"]
    assert any(e["type"] == "input_captured" and "who" in e["summary"] for e in third["events"])


async def test_the_unsaved_document_runs_instead_of_the_saved_draft(
    client: httpx.AsyncClient, world: World
) -> None:
    flow = await _flow(client, world, PIZZA)
    edited = {
        "nodes": [node("start", "start"), node("bye", "end", content="Closed today")],
        "edges": [edge("start", "bye")],
    }
    out = (
        await _sim(client, world, flow, input={"kind": "start"}, document={"canvas_data": edited})
    ).json()
    assert [m["text"] for m in out["messages"]] == ["Closed today"]


async def test_a_delay_is_fast_forwarded_and_the_clock_moves_with_it(
    client: httpx.AsyncClient, world: World
) -> None:
    flow = await _flow(client, world, DELAYED)
    first = (await _sim(client, world, flow, input={"kind": "start"})).json()
    assert first["messages"] == []
    # The session's own timers (the 24-hour TTL...) are listed too; the delay is due first.
    timer = first["timers"][0]
    assert (timer["kind"], timer["node_id"], timer["in_seconds"]) == ("delay", "wait", 3600)
    fired = {"kind": "timer", "timer_id": timer["timer_id"]}
    later = (await _sim(client, world, flow, state=first["state"], input=fired)).json()
    assert [m["text"] for m in later["messages"]] == ["An hour later"]
    assert "delay" not in {t["kind"] for t in later["timers"]}
    assert later["state"]["clock"] - first["state"]["clock"] == 3600

    again = await _sim(client, world, flow, state=later["state"], input=fired)
    assert again.status_code == 422
    assert "timer" in again.json()["error"]["message"]


async def test_http_calls_are_not_made_unless_allowed_and_then_only_where_egress_allows(
    client: httpx.AsyncClient, world: World
) -> None:
    flow = await _flow(client, world, CALLING)
    out = (await _sim(client, world, flow, input={"kind": "start"})).json()
    [call] = out["calls"]
    assert (call["kind"], call["made"], call["url"]) == (
        "api_call",
        False,
        "http://127.0.0.1:9/orders",
    )
    assert "allow_http" in call["error"]
    assert [m["text"] for m in out["messages"]] == ["The shop is closed"]

    viewer = await _sim(
        client, world, flow, who="viewer@a", input={"kind": "start"}, allow_http=True
    )
    assert viewer.status_code == 403
    allowed = (await _sim(client, world, flow, input={"kind": "start"}, allow_http=True)).json()
    [call] = allowed["calls"]
    assert call["made"] is False and call["error"].startswith("refused:"), call
    assert [m["text"] for m in allowed["messages"]] == ["The shop is closed"]


async def test_another_organizations_flow_and_foreign_states_are_out_of_reach(
    client: httpx.AsyncClient, world: World
) -> None:
    flow = await _flow(client, world, PIZZA)
    r = await _sim(client, world, flow, who="org_admin@b", input={"kind": "start"})
    assert r.status_code == 404
    other = await _flow(client, world, DELAYED)
    state = (await _sim(client, world, other, input={"kind": "start"})).json()["state"]
    r = await _sim(client, world, flow, state=state, input={"kind": "text", "text": "hi"})
    assert r.status_code == 422
    forged = {**state, "conversation": {**state["conversation"], "status": "bogus"}}
    r = await _sim(client, world, other, state=forged, input={"kind": "text", "text": "hi"})
    assert r.status_code == 422


async def test_a_draft_that_cannot_run_is_a_clear_422(
    client: httpx.AsyncClient, world: World
) -> None:
    flow = await _flow(client, world, PIZZA)
    nostart = {"nodes": [node("bye", "end", content="x")], "edges": []}
    r = await _sim(client, world, flow, input={"kind": "start"}, document={"canvas_data": nostart})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_flow"
    assert "start" in r.json()["error"]["message"]


async def test_versions_are_listed_newest_first_with_their_publisher_and_documents(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    flow = await _flow(client, world, PIZZA)
    assert (await client.get(f"/api/v1/flows/{flow}/versions", headers=admin)).json() == {
        "versions": []
    }
    assert (await client.post(f"/api/v1/flows/{flow}/publish", headers=admin)).status_code == 200
    await client.put(f"/api/v1/flows/{flow}", json={"canvas_data": DELAYED}, headers=admin)
    assert (await client.post(f"/api/v1/flows/{flow}/publish", headers=admin)).status_code == 200

    listed = (await client.get(f"/api/v1/flows/{flow}/versions", headers=admin)).json()
    assert [v["version"] for v in listed["versions"]] == [2, 1]
    assert {v["published_by"] for v in listed["versions"]} == {world.emails["org_admin@a"]}
    one = (await client.get(f"/api/v1/flows/{flow}/versions/1", headers=admin)).json()
    assert [n["id"] for n in one["canvas_data"]["nodes"]] == [n["id"] for n in PIZZA["nodes"]]
    assert one["version"] == 1 and one["flow_id"] == flow

    # A version runs in the simulator as it was published, whatever the draft is now.
    out = (await _sim(client, world, flow, version=1, input={"kind": "start"})).json()
    assert out["messages"][0]["node_id"] == "size"
    missing = await _sim(client, world, flow, version=9, input={"kind": "start"})
    assert missing.status_code == 404

    b = world.headers("org_admin@b")
    assert (await client.get(f"/api/v1/flows/{flow}/versions", headers=b)).status_code == 404
    assert (await client.get(f"/api/v1/flows/{flow}/versions/1", headers=b)).status_code == 404
