"""`pytake export` / `pytake import`: the management data of one PyTake, into another.

`make dev` keeps nothing when it stops (the dev broker is in memory and the embedded database
is deleted): export what was built first, import it into the next session (or into a real
deployment). Through the REST API, as a super admin, so every check the API makes applies:

- organizations (name, settings), their chatbots, flows (every document, the published ones
  published again and the main flow made main again), WhatsApp numbers and users;
- never a secret: the API returns no access token or app secret, so imported numbers need
  theirs set again (`PUT /api/v1/whatsapp/{id}`), and imported users get a new random password,
  printed once. An organization that already exists (same name) is left as it is, with what
  it holds; a user or number that exists elsewhere is kept, not duplicated: importing twice is
  harmless.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx

FORMAT = 1
FLOW_FIELDS = (
    "name",
    "description",
    "is_main",
    "is_fallback",
    "is_active",
    "canvas_data",
    "variables",
    "inactivity_settings",
    "window_expiry_settings",
)
NUMBER_FIELDS = (
    "phone_number_id",
    "phone_number",
    "display_name",
    "webhook_verify_token",
    "webhook_token",
    "is_active",
)


class TransferError(Exception):
    """The API refused something the transfer needs (its message says what)."""


@dataclass
class Api:
    base: str
    client: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)

    async def login(self, email: str, password: str) -> None:
        r = await self.client.post(
            f"{self.base}/auth/login", json={"email": email, "password": password}
        )
        if r.status_code != 200:
            raise TransferError(f"login as {email} failed: {r.status_code} {r.text[:200]}")
        if r.json()["user"]["role"] != "super_admin":
            raise TransferError(f"{email} is not a super admin")
        self.headers = {"Authorization": f"Bearer {r.json()['token']['access_token']}"}

    async def all(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            r = await self.client.get(
                f"{self.base}{path}",
                params={**params, "page": page, "per_page": 100},
                headers=self.headers,
            )
            if r.status_code != 200:
                raise TransferError(f"GET {path}: {r.status_code} {r.text[:200]}")
            found = r.json()[key]
            items += found
            if len(found) < 100:
                return items
            page += 1

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post(f"{self.base}{path}", json=body, headers=self.headers)


async def export(api: Api) -> dict[str, Any]:
    organizations = []
    users = await api.all("/users", "users")
    for org in await api.all("/organizations", "organizations"):
        oid = org["id"]
        chatbots = await api.all("/chatbots", "chatbots", organization_id=oid)
        chatbots = [b for b in chatbots if b["organization_id"] == oid]
        flows = [f for f in await api.all("/flows", "flows") if f["organization_id"] == oid]
        numbers = [n for n in await api.all("/whatsapp/", "numbers") if n["organization_id"] == oid]
        organizations.append(
            {
                "name": org["name"],
                "settings": org.get("settings") or {},
                "is_active": org.get("is_active", True),
                "chatbots": [
                    {
                        "key": b["id"],
                        **{k: b[k] for k in ("name", "description", "is_active", "is_fallback")},
                        "global_variables": b.get("global_variables") or {},
                        "settings": b.get("settings") or {},
                    }
                    for b in chatbots
                ],
                "flows": [
                    {
                        "chatbot": f["chatbot_id"],
                        "published": f["published_version"] is not None,
                        **{k: f.get(k) for k in FLOW_FIELDS},
                    }
                    for f in flows
                ],
                "numbers": [
                    {"chatbot": n.get("default_chatbot_id"), **{k: n.get(k) for k in NUMBER_FIELDS}}
                    for n in numbers
                ],
                "users": [
                    {k: u[k] for k in ("email", "full_name", "role", "is_active")}
                    for u in users
                    if u["organization_id"] == oid
                ],
            }
        )
    return {
        "pytake_export": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "organizations": organizations,
    }


async def import_(api: Api, data: dict[str, Any], out: TextIO) -> dict[str, int]:
    if data.get("pytake_export") != FORMAT:
        raise TransferError("not a `pytake export` file (or of another format version)")
    counts = {"organizations": 0, "chatbots": 0, "flows": 0, "numbers": 0, "users": 0}
    existing = {o["name"]: o["id"] for o in await api.all("/organizations", "organizations")}
    for org in data["organizations"]:
        if org["name"] in existing:
            print(f"organization {org['name']}: exists already, left as it is", file=out)
            continue
        r = await api.post(
            "/organizations",
            {"name": org["name"], "settings": org["settings"], "is_active": org["is_active"]},
        )
        _ok(r, f"organization {org['name']}")
        oid = r.json()["id"]
        counts["organizations"] += 1
        bots: dict[str, str] = {}
        for bot in org["chatbots"]:
            body = {k: v for k, v in bot.items() if k != "key"}
            r = await api.post("/chatbots", {**body, "organization_id": oid})
            _ok(r, f"chatbot {bot['name']}")
            bots[bot["key"]] = r.json()["id"]
            counts["chatbots"] += 1
        for flow in org["flows"]:
            if flow["chatbot"] not in bots:
                continue
            body = {k: flow[k] for k in FLOW_FIELDS if flow.get(k) is not None}
            r = await api.post("/flows", {**body, "chatbot_id": bots[flow["chatbot"]]})
            _ok(r, f"flow {flow['name']}")
            counts["flows"] += 1
            if flow["published"]:
                fid = r.json()["id"]
                _ok(await api.post(f"/flows/{fid}/publish", {}), f"publishing {flow['name']}")
                if flow.get("is_main"):
                    _ok(await api.post(f"/flows/{fid}/activate", {}), f"activating {flow['name']}")
        for number in org["numbers"]:
            body = {k: v for k, v in number.items() if k != "chatbot" and v is not None}
            body["default_chatbot_id"] = bots.get(number.get("chatbot") or "")
            r = await api.post("/whatsapp/", {**body, "organization_id": oid})
            if r.status_code == 409:
                continue  # already there
            _ok(r, f"number {number['phone_number_id']}")
            counts["numbers"] += 1
            print(
                f"number {number['phone_number_id']}: set its access token and app secret "
                f"again (PUT /api/v1/whatsapp/{r.json()['id']})",
                file=out,
            )
        for user in org["users"]:
            password = secrets.token_urlsafe(12)
            r = await api.post("/users", {**user, "password": password, "organization_id": oid})
            if r.status_code == 409:
                continue
            _ok(r, f"user {user['email']}")
            counts["users"] += 1
            print(f"user {user['email']}: password {password}", file=out)
    return counts


def _ok(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise TransferError(f"{what}: {response.status_code} {response.text[:300]}")
