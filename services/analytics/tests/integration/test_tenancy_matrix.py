"""Every endpoint, every role, own and other organization: table-driven.

A tenant never sees another organization's resources: they are 404 (not 403, which would
confirm they exist). A role too weak for a write is 403 whoever owns the target. A super admin
reaches everything. Creating with `organization_id` places a super admin's resource there and
anyone else's in their own organization.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pytake_analytics.projections import ProjectionHandler
from pytake_shared.envelope import utcnow

from ..conftest import World
from ..scripted import Feeder, Script

CALLERS = ("super_admin", "org_admin@a", "agent@a", "viewer@a")
WHERE = ("own", "other")
VALID_FLOW = {
    "nodes": [
        {"id": "start", "type": "start", "data": {}},
        {"id": "bye", "type": "end", "data": {"content": "Bye"}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "bye"}],
}


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # "{id}" is the target's id
    access: str  # read | write | super
    ok: int
    body: dict[str, Any] | None = None


RESOURCES: dict[str, list[Op]] = {
    "organization": [
        Op("GET", "/organizations/{id}", "read", 200),
        Op("PATCH", "/organizations/{id}", "write", 200, {"name": "Renamed"}),
        Op("DELETE", "/organizations/{id}", "super", 204),
    ],
    "user": [
        Op("GET", "/users/{id}", "read", 200),
        Op("PATCH", "/users/{id}", "write", 200, {"full_name": "Renamed"}),
        Op("DELETE", "/users/{id}", "write", 204),
    ],
    "number": [
        Op("GET", "/whatsapp/{id}", "read", 200),
        Op("PUT", "/whatsapp/{id}", "write", 200, {"display_name": "Renamed"}),
        Op("DELETE", "/whatsapp/{id}", "write", 204),
    ],
    "chatbot": [
        Op("GET", "/chatbots/{id}", "read", 200),
        Op("GET", "/chatbots/{id}/flows", "read", 200),
        Op("PATCH", "/chatbots/{id}", "write", 200, {"description": "changed"}),
        Op("DELETE", "/chatbots/{id}", "write", 204),
    ],
    "flow": [
        Op("GET", "/flows/{id}", "read", 200),
        Op("POST", "/flows/{id}/validate", "read", 200),
        Op("GET", "/flows/{id}/versions", "read", 200),
        Op("POST", "/flows/{id}/simulate", "read", 200, {"input": {"kind": "start"}}),
        Op(
            "POST",
            "/flows/{id}/simulate",
            "write",
            200,
            {"input": {"kind": "start"}, "allow_http": True},
        ),
        Op("PUT", "/flows/{id}", "write", 200, {"description": "changed"}),
        Op("POST", "/flows/{id}/publish", "write", 200),
        Op("POST", "/flows/{id}/activate", "write", 200),
        Op("POST", "/flows/{id}/deactivate", "write", 200),
        Op("DELETE", "/flows/{id}", "write", 204),
    ],
}
COLLECTIONS = {
    "organization": ("/organizations", "organizations"),
    "user": ("/users", "users"),
    "number": ("/whatsapp/", "numbers"),
    "chatbot": ("/chatbots", "chatbots"),
    "flow": ("/flows", "flows"),
}


def expected(access: str, caller: str, where: str, ok: int) -> int:
    role = caller.split("@")[0]
    if role == "super_admin":
        return ok
    if access == "super" or (access == "write" and role in ("agent", "viewer")):
        return 403
    return ok if where == "own" else 404


class Targets:
    """Fresh resources made through the API as the super admin."""

    def __init__(self, c: httpx.AsyncClient, world: World) -> None:
        self.c = c
        self.w = world

    def org(self, where: str) -> uuid.UUID:
        return self.w.org_a if where == "own" else self.w.org_b

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.c.post(f"/api/v1{path}", json=body, headers=self.w.super)
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    async def make(self, kind: str, org: uuid.UUID) -> uuid.UUID:
        tag = uuid.uuid4().hex[:10]
        if kind == "organization":
            return uuid.UUID((await self.post("/organizations", {"name": f"Org {tag}"}))["id"])
        if kind == "user":
            body = {"email": f"{tag}@x.test", "password": "password-1", "organization_id": str(org)}
            return uuid.UUID((await self.post("/users", body))["id"])
        if kind == "number":
            body = {"phone_number_id": tag, "access_token": "t", "organization_id": str(org)}
            return uuid.UUID((await self.post("/whatsapp/", body))["id"])
        bot = await self.post("/chatbots", {"name": f"Bot {tag}", "organization_id": str(org)})
        if kind == "chatbot":
            return uuid.UUID(bot["id"])
        body = {"name": f"Flow {tag}", "chatbot_id": bot["id"], "canvas_data": VALID_FLOW}
        return uuid.UUID((await self.post("/flows", body))["id"])

    async def target(self, kind: str, op: Op, caller: str, where: str) -> uuid.UUID:
        if kind == "organization":
            if op.method == "DELETE" and caller == "super_admin":
                return await self.make("organization", self.org(where))  # an empty one
            return self.org(where)
        return await self.make(kind, self.org(where))


async def _call(
    c: httpx.AsyncClient, w: World, caller: str, method: str, path: str, body: Any
) -> httpx.Response:
    return await c.request(method, f"/api/v1{path}", json=body, headers=w.headers(caller))


@pytest.mark.parametrize("kind", list(RESOURCES))
async def test_each_endpoint_allows_or_denies_each_role_per_organization(
    kind: str, client: httpx.AsyncClient, world: World
) -> None:
    targets = Targets(client, world)
    wrong: list[str] = []
    for op, caller, where in itertools.product(RESOURCES[kind], CALLERS, WHERE):
        target = await targets.target(kind, op, caller, where)
        r = await _call(client, world, caller, op.method, op.path.format(id=target), op.body)
        want = expected(op.access, caller, where, op.ok)
        if r.status_code != want:
            wrong.append(f"{op.method} {op.path} as {caller} on {where}: {r.status_code} != {want}")
        elif r.status_code >= 400:
            assert set(r.json()) == {"error"}, r.text
            assert r.json()["error"]["code"]
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("kind", list(RESOURCES))
async def test_lists_hold_only_the_callers_organization(
    kind: str, client: httpx.AsyncClient, world: World
) -> None:
    targets = Targets(client, world)
    path, field = COLLECTIONS[kind]
    if kind == "organization":
        mine, theirs = world.org_a, world.org_b
    else:
        mine, theirs = await targets.make(kind, world.org_a), await targets.make(kind, world.org_b)
    wrong: list[str] = []
    for caller in CALLERS:
        r = await client.get(
            f"/api/v1{path}", params={"per_page": 100}, headers=world.headers(caller)
        )
        assert r.status_code == 200, r.text
        body = r.json()
        ids = {item["id"] for item in body[field]}
        assert body["total"] >= len(ids)
        sees_theirs = caller == "super_admin"
        if str(mine) not in ids or (str(theirs) in ids) != sees_theirs:
            wrong.append(
                f"GET {path} as {caller}: mine={str(mine) in ids} theirs={str(theirs) in ids}"
            )
    assert wrong == [], "\n".join(wrong)


CREATES = {
    "organization": ("/organizations", "super"),
    "user": ("/users", "write"),
    "number": ("/whatsapp/", "write"),
    "chatbot": ("/chatbots", "write"),
    "flow": ("/flows", "write"),
}


@pytest.mark.parametrize("kind", list(CREATES))
async def test_creating_places_the_resource_in_the_right_organization(
    kind: str, client: httpx.AsyncClient, world: World
) -> None:
    path, access = CREATES[kind]
    targets = Targets(client, world)
    wrong: list[str] = []
    for caller, where in itertools.product(CALLERS, WHERE):
        org = targets.org(where)
        tag = uuid.uuid4().hex[:10]
        body: dict[str, Any] = {
            "organization": {"name": f"Org {tag}"},
            "user": {"email": f"{tag}@x.test", "password": "password-1"},
            "number": {"phone_number_id": tag},
            "chatbot": {"name": f"Bot {tag}"},
            "flow": {"name": f"Flow {tag}"},
        }[kind]
        if kind == "flow":
            body["chatbot_id"] = str(await targets.make("chatbot", org))
        else:
            body["organization_id"] = str(org)
        r = await _call(client, world, caller, "POST", path, body)
        role = caller.split("@")[0]
        if role == "super_admin":
            want, placed = 201, org
        elif access == "super" or role in ("agent", "viewer"):
            want, placed = 403, None
        elif kind == "flow" and where == "other":
            want, placed = 422, None  # another organization's chatbot is no usable reference
        else:
            want, placed = 201, world.org_a  # organization_id is ignored: always their own
        if r.status_code != want:
            wrong.append(f"POST {path} as {caller} for {where}: {r.status_code} != {want} {r.text}")
        elif (
            placed is not None
            and kind != "organization"
            and r.json()["organization_id"] != str(placed)
        ):
            wrong.append(f"POST {path} as {caller} for {where}: placed in the wrong org")
    assert wrong == [], "\n".join(wrong)


# -- conversations and analytics (read from the projections) ------------------------------------
PROJECTED: list[Op] = [
    Op("GET", "/conversations/{id}", "read", 200),
    Op("GET", "/conversations/{id}/window-status", "read", 200),
    Op("POST", "/conversations/{id}/send", "act", 202, {"message": "Hello"}),
    Op("POST", "/conversations/{id}/resume", "act", 202),
    Op("POST", "/conversations/{id}/close", "act", 202),
    Op("POST", "/conversations/{id}/restart", "act", 202),
]
FLOW_ANALYTICS: list[Op] = [
    Op("GET", "/analytics/flows/{id}/funnel", "read", 200),
    Op("GET", "/analytics/flows/{id}/delivery", "read", 200),
    Op("GET", "/whatsapp-analytics/flows/{id}/report", "read", 200),
]


def expected_act(access: str, caller: str, where: str, ok: int) -> int:
    """Acting on a conversation: agents as well as admins; viewers never."""
    role = caller.split("@")[0]
    if access == "act":
        if role == "viewer":
            return 403
        return ok if role == "super_admin" or where == "own" else 404
    return expected(access, caller, where, ok)


async def test_conversation_endpoints_allow_or_deny_each_role_per_organization(
    client: httpx.AsyncClient, world: World, settings: Any, pool: Any
) -> None:
    feeder = Feeder(ProjectionHandler(settings.topics, pool), settings.topics)
    wrong: list[str] = []
    for op, caller, where in itertools.product(PROJECTED, CALLERS, WHERE):
        org = world.org_a if where == "own" else world.org_b
        # A fresh contact in handoff who wrote just now: every action applies to it.
        talk = Script(org, contact=str(uuid.uuid4().int)[:13], start=utcnow())
        talk.start().node("start", "start").node("h", "handoff").handoff("h")
        await feeder.feed(talk.items)
        r = await _call(client, world, caller, op.method, op.path.format(id=talk.contact), op.body)
        want = expected_act(op.access, caller, where, op.ok)
        if r.status_code != want:
            wrong.append(f"{op.method} {op.path} as {caller} on {where}: {r.status_code} != {want}")
    targets = Targets(client, world)
    for op, caller, where in itertools.product(FLOW_ANALYTICS, CALLERS, WHERE):
        flow = await targets.make("flow", targets.org(where))
        r = await _call(client, world, caller, op.method, op.path.format(id=flow), None)
        want = expected(op.access, caller, where, op.ok)
        if r.status_code != want:
            wrong.append(f"{op.method} {op.path} as {caller} on {where}: {r.status_code} != {want}")
    assert wrong == [], "\n".join(wrong)


async def test_conversation_lists_and_metrics_hold_only_the_callers_organization(
    client: httpx.AsyncClient, world: World, settings: Any, pool: Any
) -> None:
    feeder = Feeder(ProjectionHandler(settings.topics, pool), settings.topics)
    mine = Script(world.org_a, contact="5511000000100", start=utcnow()).start()
    theirs = Script(world.org_b, contact="5511000000200", start=utcnow()).start()
    await feeder.feed(mine.items + theirs.items)
    wrong: list[str] = []
    for caller in CALLERS:
        r = await client.get("/api/v1/conversations", headers=world.headers(caller))
        phones = {c["phone"] for c in r.json()["conversations"]}
        sees_theirs = caller == "super_admin"
        if mine.contact not in phones or (theirs.contact in phones) != sees_theirs:
            wrong.append(f"GET /conversations as {caller}: {phones}")
        r = await client.get(
            "/api/v1/analytics/conversations",
            params={"period": "all"},
            headers=world.headers(caller),
        )
        total = r.json()["metrics"]["total_conversations"]
        if total != (2 if sees_theirs else 1):
            wrong.append(f"GET /analytics/conversations as {caller}: {total}")
    assert wrong == [], "\n".join(wrong)
