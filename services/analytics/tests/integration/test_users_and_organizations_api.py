"""Users and organizations: who may grant what, unique emails, what an org_admin may change
about their organization, and organizations on the config topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from pytake_shared.topics import Topics

from ..conftest import World, latest

Drain = Callable[[str], Awaitable[list[Any]]]


async def test_an_org_admin_manages_their_users_but_never_grants_super_admin(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    body = {"email": "New.Agent@Pytake.test", "password": "password-1", "role": "agent"}
    r = await client.post("/api/v1/users", json=body, headers=admin)
    assert r.status_code == 201, r.text
    user = r.json()
    assert (user["email"], user["organization_id"]) == ("new.agent@pytake.test", str(world.org_a))
    assert "conversations:write" in user["permissions"]
    again = await client.post("/api/v1/users", json=body, headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "email_taken")
    r = await client.post(
        "/api/v1/users", json={**body, "email": "boss@x.test", "role": "super_admin"}, headers=admin
    )
    assert r.status_code == 403
    r = await client.patch(
        f"/api/v1/users/{user['id']}", json={"role": "super_admin"}, headers=admin
    )
    assert r.status_code == 403
    r = await client.patch(
        f"/api/v1/users/{user['id']}",
        json={"role": "viewer", "password": "password-2"},
        headers=admin,
    )
    assert r.json()["role"] == "viewer"
    login = await client.post(
        "/api/v1/auth/login", json={"email": "new.agent@pytake.test", "password": "password-2"}
    )
    assert login.status_code == 200
    r = await client.delete(f"/api/v1/users/{world.users['org_admin@a']}", headers=admin)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "cannot_delete_self")
    assert (await client.delete(f"/api/v1/users/{user['id']}", headers=admin)).status_code == 204


async def test_a_super_admin_places_users_anywhere_and_may_leave_super_admins_without_one(
    client: httpx.AsyncClient, world: World
) -> None:
    root = world.super
    r = await client.post(
        "/api/v1/users",
        json={"email": "root2@x.test", "password": "password-1", "role": "super_admin"},
        headers=root,
    )
    assert (r.status_code, r.json()["organization_id"]) == (201, None)
    r = await client.post(
        "/api/v1/users", json={"email": "lost@x.test", "password": "password-1"}, headers=root
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "organization_required")
    r = await client.get(
        "/api/v1/users", params={"organization_id": str(world.org_b)}, headers=root
    )
    assert {u["organization_id"] for u in r.json()["users"]} == {str(world.org_b)}


async def test_an_org_admin_renames_their_organization_but_only_a_super_admin_suspends_it(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    admin = world.headers("org_admin@a")
    path = f"/api/v1/organizations/{world.org_a}"
    r = await client.patch(
        path, json={"name": "Acme", "is_active": True, "settings": {"tz": "UTC"}}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["settings"] == {"tz": "UTC"}
    assert (await client.patch(path, json={"is_active": False}, headers=admin)).status_code == 403
    r = await client.patch(path, json={"is_active": False}, headers=world.super)
    assert r.json()["is_active"] is False
    org = orjson.loads(latest(await drain(topics.config))[f"org:{world.org_a}"] or b"")
    assert org["data"]["entity"] == {
        "id": str(world.org_a),
        "name": "Acme",
        "is_active": False,
        "settings": {"tz": "UTC"},
    }
    # A suspended organization's users are locked out; super admins are not.
    assert (await client.get("/api/v1/auth/me", headers=admin)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=world.super)).status_code == 200


async def test_only_an_empty_organization_can_be_deleted(
    client: httpx.AsyncClient, world: World, drain: Drain, topics: Topics
) -> None:
    r = await client.delete(f"/api/v1/organizations/{world.org_b}", headers=world.super)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "organization_not_empty")
    empty = (
        await client.post("/api/v1/organizations", json={"name": "Empty"}, headers=world.super)
    ).json()
    r = await client.delete(f"/api/v1/organizations/{empty['id']}", headers=world.super)
    assert r.status_code == 204
    assert latest(await drain(topics.config))[f"org:{empty['id']}"] is None


async def test_an_organizations_language_is_a_setting_shown_and_checked(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("org_admin@a")
    url = f"/api/v1/organizations/{world.org_a}"
    r = await client.patch(url, json={"settings": {"language": "pt_br"}}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["language"] == "pt-BR"  # written the way the engine reads it
    r = await client.patch(url, json={"settings": {"language": "tlh"}}, headers=admin)
    assert r.status_code == 400
    assert "not one of en, pt-BR, es" in r.json()["error"]["message"]


async def test_users_are_listed_by_role_within_the_callers_organization(
    client: httpx.AsyncClient, world: World
) -> None:
    """What the console's assign list asks for: the people who can take a conversation."""
    admin = world.headers("org_admin@a")
    r = await client.get("/api/v1/users?role=agent&role=org_admin", headers=admin)
    assert r.status_code == 200, r.text
    found = r.json()["users"]
    assert found and {u["role"] for u in found} <= {"agent", "org_admin"}
    assert {u["organization_id"] for u in found} == {str(world.org_a)}
    assert r.json()["total"] == len(found)
    viewers = (await client.get("/api/v1/users?role=viewer", headers=admin)).json()["users"]
    assert all(u["role"] == "viewer" for u in viewers)
    bad = await client.get("/api/v1/users?role=owner", headers=admin)
    assert bad.status_code == 400  # the API answers any invalid parameter with 400
