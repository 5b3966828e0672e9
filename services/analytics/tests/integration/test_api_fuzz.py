"""Schemathesis over the whole API, as a super admin, against a real uvicorn server: no input
gets a 5xx, every 4xx is the JSON error shape, and every success matches its documented model.

Schemathesis runs in a worker thread (it is synchronous) while the server, the pool and the
producer stay on the test's event loop. Three passes: schemathesis's coverage cases (boundary
and invalid values of every parameter and field, deterministic), then a few random positive and
negative examples per operation, then the coverage cases again on real resources so updates
and deletes reach past the 404 (deletes last). References in bodies (`chatbot_id`, ...) point
at real resources, or nearly every create would stop at "no such chatbot".
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterable
from typing import Any

import asyncpg
import httpx
import requests
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from pytake_analytics.projections import ProjectionHandler
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.envelope import utcnow

from ..conftest import World, add_user, bearer, mint
from ..scripted import Feeder, Script
from .test_tenancy_matrix import VALID_FLOW

RANDOM_EXAMPLES = 5
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
REFERENCES = {"chatbot_id": "chatbot_id", "default_chatbot_id": "chatbot_id"}
# A stream of server-sent events: open for minutes, nothing to fuzz in it (its own tests are in
# test_inbox_api.py); here it would only answer 503, the app having no live hub.
STREAMS = {"/api/v1/live"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _is_error_body(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return set(body) == {"error"} and isinstance(error, dict) and {"code", "message"} <= set(error)


class Fuzz:
    def __init__(self, openapi: dict[str, Any], base_url: str, token: str, ids: dict[str, str]):
        self.schema = schemathesis.openapi.from_dict(openapi)
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ids = ids
        self.session = requests.Session()
        self.problems: list[str] = []
        self.calls: dict[str, int] = {}
        self.operations = sorted(
            (
                op
                for op in (result.ok() for result in self.schema.get_all_operations())
                if op.path not in STREAMS
            ),
            key=lambda op: (ORDER.get(op.method.upper(), 1), op.path),
        )

    def check(self, case: Any, fixed: dict[str, str] | None = None) -> None:
        if fixed:
            case.path_parameters = {**(case.path_parameters or {}), **fixed}
        if isinstance(case.body, dict):
            for key, name in REFERENCES.items():
                if isinstance(case.body.get(key), str):
                    case.body[key] = self.ids[name]
        label = f"{case.operation.method.upper()} {case.operation.path}"
        response = case.call(
            base_url=self.base_url, session=self.session, headers=self.headers, timeout=10
        )
        self.calls[label] = self.calls.get(label, 0) + 1
        status = response.status_code
        if status >= 500:
            self._problem("5xx", case, response)
        elif status >= 400:
            if not _is_error_body(response):
                self._problem("error shape", case, response)
        else:
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )
            except Exception as exc:  # a check failed: record it and keep fuzzing
                self._problem(f"schema ({exc})"[:400], case, response)

    def _problem(self, what: str, case: Any, response: Any) -> None:
        curl = case.as_curl_command(self.headers, base_url=self.base_url)
        self.problems.append(f"{what}: {response.status_code} {response.text[:300]}\n{curl}"[:1500])

    def coverage(self, operations: Iterable[Any], real: bool) -> None:
        for op in operations:
            config = self.schema.config.generation_for(operation=op)
            fixed = {p.name: self.ids[p.name] for p in op.path_parameters} if real else None
            # On real resources the valid variants are what reach the database.
            modes = [GenerationMode.POSITIVE] if real else MODES
            for case in self.schema.iter_coverage_cases(
                op, generation_modes=modes, generation_config=config
            ):
                self.check(case, fixed)

    def random(self, op: Any, mode: GenerationMode) -> None:
        @settings(
            max_examples=RANDOM_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy(generation_mode=mode))
        def examples(case: Any) -> None:
            self.check(case)

        examples()

    def run(self) -> None:
        self.coverage(self.operations, real=False)
        for op in self.operations:
            for mode in MODES:
                self.random(op, mode)
        # Real ids matter where a body or query varies; elsewhere the cases would all repeat.
        self.coverage(
            [op for op in self.operations if op.path_parameters and (op.body or op.query)],
            real=True,
        )


async def test_no_input_to_any_endpoint_gets_a_5xx(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    pool: asyncpg.Pool,
    settings: AnalyticsSettings,
) -> None:
    # A super admin whose home is organization A: creating without organization_id lands there.
    async with pool.acquire() as conn:
        root = await add_user(conn, "fuzz-root@pytake.test", "super_admin", world.org_a)
    token = mint(root, "super_admin", world.org_a)
    admin = bearer(token)
    bot = (await client.post("/api/v1/chatbots", json={"name": "Fuzz"}, headers=admin)).json()
    body = {"name": "F", "chatbot_id": bot["id"], "canvas_data": VALID_FLOW}
    flow = (await client.post("/api/v1/flows", json=body, headers=admin)).json()
    body = {"phone_number_id": "1999000", "waba_id": "1999"}
    number = (await client.post("/api/v1/whatsapp/", json=body, headers=admin)).json()
    # An approved template of its WABA, and a broadcast of it.
    await pool.execute(
        "INSERT INTO analytics.message_templates (organization_id, waba_id, name, language, "
        "meta_id, status, requirements) VALUES ($1, '1999', 'hello', 'en_US', '1', 'APPROVED', "
        "'{\"body\": 0}')",
        world.org_a,
    )
    body = {
        "name": "B",
        "number_id": number["id"],
        "template_name": "hello",
        "recipients": [{"phone": "5511977770001"}],
    }
    broadcast = (await client.post("/api/v1/broadcasts/", json=body, headers=admin)).json()
    # A projected conversation in handoff, so the conversation endpoints reach past the 404.
    talk = Script(world.org_a, contact="5511977770000", flow_id=flow["id"], start=utcnow())
    talk.start().node("start", "start").node("bye", "end").handoff("bye")
    talk.send("An agent will answer", node_id="bye")
    await Feeder(ProjectionHandler(settings.topics, pool), settings.topics).feed(talk.items)
    upload = {"file": ("a.png", b"\x89PNG", "image/png")}
    photo = (await client.post("/api/v1/media", files=upload, headers=admin)).json()
    ids = {
        "media_id": photo["id"],
        "phone": talk.contact,
        "org_id": str(world.org_b),
        "user_id": str(world.users["viewer@a"]),
        "number_id": number["id"],
        "chatbot_id": bot["id"],
        "flow_id": flow["id"],
        "broadcast_id": broadcast["id"],
    }
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.05)
        fuzz = Fuzz(app.openapi(), f"http://127.0.0.1:{port}", token, ids)
        started = time.monotonic()
        await asyncio.to_thread(fuzz.run)
        elapsed = time.monotonic() - started
    finally:
        server.should_exit = True
        await serving
    calls = fuzz.calls
    print(f"schemathesis: {sum(calls.values())} calls, {len(calls)} operations, {elapsed:.1f}s")
    operations = [
        m for path, item in app.openapi()["paths"].items() if path not in STREAMS for m in item
    ]
    assert len(calls) == len(operations), "every operation was exercised"
    assert fuzz.problems == [], "\n\n".join(fuzz.problems[:10])


async def test_the_openapi_document_and_docs_are_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/organizations/{org_id}",
        "/api/v1/users",
        "/api/v1/whatsapp/",
        "/api/v1/whatsapp/{number_id}",
        "/api/v1/chatbots/{chatbot_id}/flows",
        "/api/v1/flows/{flow_id}/publish",
        "/api/v1/conversations",
        "/api/v1/conversations/{phone}",
        "/api/v1/conversations/{phone}/send",
        "/api/v1/conversations/{phone}/window-status",
        "/api/v1/analytics/conversations",
        "/api/v1/analytics/flows/{flow_id}/funnel",
        "/api/v1/analytics/flows/{flow_id}/delivery",
        "/api/v1/whatsapp-analytics/flows/{flow_id}/report",
    ):
        assert path in paths, path
    login = paths["/api/v1/auth/login"]["post"]
    assert login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "LoginOut"
    )
    assert "429" in login["responses"]
    assert (await client.get("/docs")).status_code == 200
