"""A hostile tenant against the whole stack, through its public surfaces only.

Organization A is registered the way a customer registers (its own number and Meta app) and its
admin then tries what issue 11 saw succeed: injecting webhooks into the demo organization's
number, calling the platform's network from a flow, holding the executor with a regex, forging
a super-admin token from what the repository publishes, and locking everyone behind one address
out of their accounts. Every attack must fail, and the other organization must not notice.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI, Request

from pytake_shared.envelope import deterministic_id
from pytake_tools.metasim.server import serve_app
from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

DEMO_NUMBER = "100000000000001"  # the demo organization's, on the global app
A_NUMBER = "100000000000777"
A_SECRET = "organization-a-own-meta-app-secret"


async def _until(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.3)


class Tenant:
    """Organization A, registered through the API by the platform's super admin."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient) -> None:
        self.stack = stack
        self.client = client
        self.api = stack.url("analytics") + "/api/v1"
        self.admin: dict[str, str] = {}
        self.webhook_token = ""

    async def login(self, email: str, password: str) -> dict[str, str]:
        r = await self.client.post(
            f"{self.api}/auth/login", json={"email": email, "password": password}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']['access_token']}"}

    async def register(self, flow: dict[str, Any]) -> None:
        root = await self.login(self.stack.config.admin_email, self.stack.config.admin_password)
        r = await self.client.post(f"{self.api}/organizations", json={"name": "A"}, headers=root)
        assert r.status_code == 201, r.text
        org = r.json()["id"]
        user = {"email": "admin@a.example", "password": "a-admin-password", "role": "org_admin"}
        r = await self.client.post(
            f"{self.api}/users", json={**user, "organization_id": org}, headers=root
        )
        assert r.status_code == 201, r.text
        self.admin = await self.login(user["email"], user["password"])
        r = await self.client.post(
            f"{self.api}/chatbots", json={"name": "A bot", "is_fallback": True}, headers=self.admin
        )
        assert r.status_code == 201, r.text
        bot = r.json()["id"]
        number = {
            "phone_number_id": A_NUMBER,
            "access_token": self.stack.config.access_token,
            "app_secret": A_SECRET,
            "default_chatbot_id": bot,
        }
        r = await self.client.post(f"{self.api}/whatsapp/", json=number, headers=self.admin)
        assert r.status_code == 201, r.text
        self.webhook_token = r.json()["webhook_token"]
        body = {"name": "A flow", "chatbot_id": bot, "is_main": True, "canvas_data": flow}
        r = await self.client.post(f"{self.api}/flows", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        flow_id = r.json()["id"]
        r = await self.client.post(f"{self.api}/flows/{flow_id}/publish", headers=self.admin)
        assert r.status_code == 200, r.text
        refused = [w for w in r.json().get("warnings", []) if w["field"] == "url"]
        assert len(refused) == 3, r.json()  # publish warned about each literal inward URL
        r = await self.client.post(f"{self.api}/flows/{flow_id}/activate", headers=self.admin)
        assert r.status_code == 200, r.text
        # The simulator signs A's status webhooks with A's app, as Meta would.
        sim = self.stack.url("metasim")
        r = await self.client.put(f"{sim}/_sim/apps/{A_NUMBER}", json={"app_secret": A_SECRET})
        assert r.status_code == 200

    async def say(self, number: str, secret: str, wa_id: str, text: str, path: str = "") -> int:
        body, headers = signed(secret, text_webhook(number, wa_id, text, name="Eve"))
        url = self.stack.webhook_url + path
        return (await self.client.post(url, content=body, headers=headers)).status_code

    async def replies(self, number: str, wa_id: str) -> list[str]:
        r = await self.client.get(
            self.stack.url("metasim") + "/_sim/messages", params={"phone_number_id": number}
        )
        return [
            str(m["body"].get("text", {}).get("body", m["body"].get("type")))
            for m in r.json()["messages"]
            if m["body"].get("to") == f"+{wa_id}"
        ]


@pytest.fixture
async def listener() -> AsyncIterator[tuple[str, list[str]]]:
    """A service on the platform's loopback that no tenant may reach."""
    hits: list[str] = []
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(path: str, request: Request) -> dict[str, str]:
        hits.append(f"{request.method} /{path}")
        return {"internal": "secret"}

    async with serve_app(app) as url:
        yield url, hits


def _attacker_flow(analytics: str, listener: str) -> dict[str, Any]:
    def node(node_id: str, kind: str, **data: Any) -> dict[str, Any]:
        return {"id": node_id, "type": kind, "data": data}

    def call(node_id: str, url: str) -> dict[str, Any]:
        return node(node_id, "api_call", url=url, method="GET", responseVariable=node_id)

    nodes = [
        node("start", "start"),
        node("ask", "question", content="say something", variableName="said"),
        node(
            "check",
            "condition",
            conditions=[{"variable": "said", "operator": "matches", "value": "^(a+)+$"}],
        ),
        node("yes", "message", content="matched"),
        call("users", f"{analytics}/api/v1/users"),
        call("metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
        call("internal", f"{listener}/admin"),
        node(
            "report",
            "message",
            content="users: {{users.error}} | metadata: {{metadata.error}} | "
            "internal: {{internal.error}} {{internal.body}}",
        ),
    ]
    chain = [("start", "ask"), ("ask", "check"), ("users", "metadata"), ("metadata", "internal")]
    chain.append(("internal", "report"))
    edges = [{"id": f"{a}-{b}", "source": a, "target": b} for a, b in chain]
    edges += [
        {"id": "t", "source": "check", "target": "yes", "sourceHandle": "true"},
        {"id": "f", "source": "check", "target": "users", "sourceHandle": "false"},
    ]
    return {"nodes": nodes, "edges": edges}


async def test_a_hostile_tenant_cannot_act_inside_another_or_reach_the_platform(
    stack: Stack, listener: tuple[str, list[str]]
) -> None:
    listener_url, hits = listener
    async with httpx.AsyncClient(timeout=30) as client:
        a = Tenant(stack, client)
        await a.register(_attacker_flow(stack.url("analytics"), listener_url))
        eve = "5511900000" + str(uuid.uuid4().int)[:3]
        await asyncio.sleep(2)  # A's number and flow reach every service's config view
        assert await a.say(A_NUMBER, A_SECRET, eve, "hello") == 200  # A's own app: accepted
        assert await _until(lambda: _contains(a.replies(A_NUMBER, eve), "say something"))

        # 1. Webhook injection: B's number in a body signed with A's app secret, at the
        # shared URL and at A's own per-number URL, alone and inside a batch of A's items.
        victim = "5511911111" + str(uuid.uuid4().int)[:3]
        assert await a.say(DEMO_NUMBER, A_SECRET, victim, "injected") == 401
        assert await a.say(DEMO_NUMBER, A_SECRET, victim, "injected", f"/{a.webhook_token}") == 401
        mixed = text_webhook(A_NUMBER, eve, "mine")
        mixed["entry"] += text_webhook(DEMO_NUMBER, victim, "injected")["entry"]
        for secret in (A_SECRET, stack.config.app_secret):
            body, headers = signed(secret, mixed)
            r = await client.post(stack.webhook_url, content=body, headers=headers)
            assert r.status_code == 401

        # 2 + 3. ReDoS and SSRF: A's contact answers with what makes `^(a+)+$` backtrack
        # forever on Python's `re`; the flow then calls the platform's own network. Meanwhile
        # a contact of the demo organization talks to its bot.
        bystander = "5511922222" + str(uuid.uuid4().int)[:3]
        assert await a.say(A_NUMBER, A_SECRET, eve, "a" * 4000 + "!") == 200
        assert await a.say(DEMO_NUMBER, stack.config.app_secret, bystander, "hi") == 200
        assert await _until(lambda: _contains(a.replies(DEMO_NUMBER, bystander), "Hello Eve"))
        [report] = await _until(lambda: _starting(a.replies(A_NUMBER, eve), "users:"))
        for name in ("users", "metadata", "internal"):
            part = report.split(f"{name}: ")[1]
            assert part.startswith("refused: "), report
        assert "loopback" in report and "link-local" in report
        assert "secret" not in report.split("internal: ")[1]
        assert hits == []  # nothing reached the platform's listener
        await asyncio.sleep(2)  # time for an injected message to be answered, were it accepted
        assert await a.replies(DEMO_NUMBER, victim) == []

        # 4. A super-admin token forged offline from what the repository used to publish: the
        # old default JWT secret and an admin id derived from the e-mail.
        now = int(time.time())
        claims = {
            "sub": str(deterministic_id("user", stack.config.admin_email)),
            "type": "access",
            "role": "super_admin",
            "organization_id": None,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 600,
            "iss": "pytake",
            "aud": "pytake-api",
        }
        forged = jwt.encode(claims, "dev-only-jwt-secret-change-me-0123456789")
        r = await client.get(f"{a.api}/auth/me", headers={"Authorization": f"Bearer {forged}"})
        assert r.status_code == 401
        r = await client.get(
            f"{a.api}/organizations", headers={"Authorization": f"Bearer {forged}"}
        )
        assert r.status_code == 401

        # 5. Twenty failed logins from one address with any e-mails (and made-up
        # X-Forwarded-For) must not lock the real accounts behind that address.
        for i in range(25):
            r = await client.post(
                f"{a.api}/auth/login",
                json={"email": f"nobody{i}@example.com", "password": "guess"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            )
            assert r.status_code in (401, 429)
        assert r.status_code == 429  # the address is throttled for unknown accounts...
        await a.login(stack.config.admin_email, stack.config.admin_password)  # ...not for these
        await a.login("admin@a.example", "a-admin-password")


async def _contains(replies: Awaitable[list[str]], text: str) -> bool:
    return any(text in r for r in await replies)


async def _starting(replies: Awaitable[list[str]], prefix: str) -> list[str]:
    return [r for r in await replies if r.startswith(prefix)]
